import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RequestMeta } from './request-meta';
import { CredentialsDto, PasswordDto, SubUserDto } from './sub-user.dto';
import { ProviderActions } from './use-cases/provider-actions/provider-actions.use-case';
import { SuspendSubUser } from './use-cases/suspend-sub-user/suspend-sub-user.use-case';

const UPSTREAM = [502, 503, 504] as const;

function meta(auth: AuthContext, request: FastifyRequest): RequestMeta {
  return { auth, requestId: String(request.id) };
}

/** What can be done to one sub-user besides changing its fields: provider operations, suspend, credentials. */
@ApiTags('sub-users')
@ApiBearerAuth('bearer')
@Controller('v1/sub-users')
export class SubUserActionsController {
  constructor(
    private readonly actions: ProviderActions,
    private readonly suspension: SuspendSubUser,
  ) {}

  @Post(':id/suspend')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Suspend a sub-user: no more traffic',
    description:
      'Where the provider has no switch (GET /v1/providers: suspend = emulated) the provider-side limit (or prepaid allocation) is lowered to what is already used; the previous limit is kept and given back on resume. A PATCH of trafficLimit while suspended changes the limit resume gives back. Suspending a suspended sub-user answers its state.',
  })
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  async suspend(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubUserDto> {
    const { subUser, etag } = await this.suspension.suspend(id, meta(auth, request));
    void reply.header('etag', etag);
    return subUser;
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Resume a suspended sub-user: its previous limit is given back',
    description: 'Resuming a sub-user that is not suspended answers its state.',
  })
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  async resume(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubUserDto> {
    const { subUser, etag } = await this.suspension.resume(id, meta(auth, request));
    void reply.header('etag', etag);
    return subUser;
  }

  @Post(':id/refresh-proxy-list')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Refresh the proxy list (Webshare; needs countries set). 422 UNSUPPORTED_BY_PROVIDER elsewhere',
  })
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  async refreshProxyList(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return (await this.actions.refreshProxyList(id, meta(auth, request))).subUser;
  }

  @Post(':id/reset-usage')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({ summary: 'Reset used traffic to zero (ProxyHat). 422 UNSUPPORTED_BY_PROVIDER elsewhere' })
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  async resetUsage(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return (await this.actions.resetUsage(id, meta(auth, request))).subUser;
  }

  @Post(':id/rotate-password')
  @HttpCode(200)
  @RequireScopes('sub-users:write', 'sub-users:credentials')
  @Idempotent({ sealResponse: true })
  @ApiOperation({ summary: 'Set a new generated proxy password (ProxyHat); returned once' })
  @ApiOkResponse({ type: PasswordDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  rotatePassword(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.actions.rotatePassword(id, meta(auth, request));
  }

  @Get(':id/credentials')
  @RequireScopes('sub-users:credentials')
  @ApiOperation({
    summary: 'Proxy credentials with ready-to-use proxy URLs',
    description:
      'ProxyHat: the sub-user’s own login; Webshare: the masqueraded proxy configuration. Needs scope sub-users:credentials.',
  })
  @ApiOkResponse({ type: CredentialsDto })
  @ApiProblemResponses(401, 403, 404, 409, 422, ...UPSTREAM)
  credentials(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.actions.credentials(id, meta(auth, request));
  }
}
