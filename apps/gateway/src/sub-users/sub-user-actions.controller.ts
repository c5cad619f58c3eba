import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses, UPSTREAM_PROBLEMS } from '../common/problem/problem-responses';
import { CREDENTIALS_EXAMPLES, SUB_USER_EXAMPLES } from '../docs/examples';
import { ApiSubUserId, ETAG_HEADER } from '../docs/openapi-conventions';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RequestMeta } from './request-meta';
import { CredentialsDto, PasswordDto, SubUserDto } from './sub-user.dto';
import { ProviderActions } from './use-cases/provider-actions/provider-actions.use-case';
import { SuspendSubUser } from './use-cases/suspend-sub-user/suspend-sub-user.use-case';

/** What an operation on one sub-user can answer besides its own codes. */
const ON_A_SUB_USER = ['NOT_FOUND', 'CONFLICT', 'PROVIDER_NOT_FOUND', ...UPSTREAM_PROBLEMS] as const;

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
  @ApiSubUserId()
  @ApiOkResponse({ type: SubUserDto, headers: ETAG_HEADER, description: 'The sub-user, suspended' })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER')
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
    description:
      'Resuming a sub-user that is not suspended answers its state. A sub-user its provider suspended (not the gateway) has no limit of the gateway’s to give back: 409 CONFLICT, nothing sent.',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: SubUserDto, headers: ETAG_HEADER, description: 'The sub-user, active again' })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER', 'QUOTA_EXCEEDED')
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
    description:
      'Webshare replaces the sub-user’s proxies with new ones of the same countries. Other providers pick proxies per connection: 422 UNSUPPORTED_BY_PROVIDER (GET /v1/providers: refreshProxyList).',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: SubUserDto, examples: { webshare: SUB_USER_EXAMPLES.webshare } })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER')
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
  @ApiOperation({
    summary: 'Reset used traffic to zero (ProxyHat). 422 UNSUPPORTED_BY_PROVIDER elsewhere',
    description:
      'ProxyHat sets the sub-user’s used traffic back to zero; `traffic.lifetimeUsedBytes` keeps counting. Elsewhere 422 UNSUPPORTED_BY_PROVIDER (GET /v1/providers: resetUsage).',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: SubUserDto, examples: { proxyhat: SUB_USER_EXAMPLES.proxyhat } })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER')
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
  @ApiOperation({
    summary: 'Set a new generated proxy password (ProxyHat, IPRoyal); returned once',
    description:
      'Needs scopes sub-users:write and sub-users:credentials. The new password is in this answer only (a replay with the same Idempotency-Key returns it again, stored encrypted). Webshare: 422 UNSUPPORTED_BY_PROVIDER.',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: PasswordDto, description: 'The new proxy password' })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER')
  rotatePassword(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.actions.rotatePassword(id, meta(auth, request));
  }

  @Get(':id/credentials')
  @RequireScopes('sub-users:credentials')
  @ApiOperation({
    summary: 'Proxy credentials with ready-to-use proxy URLs',
    description:
      'ProxyHat and IPRoyal: the sub-user’s own login; Webshare: the masqueraded proxy configuration (read from the provider). Needs scope sub-users:credentials.',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: CredentialsDto, examples: CREDENTIALS_EXAMPLES })
  @ApiProblemResponses(...ON_A_SUB_USER, 'UNSUPPORTED_BY_PROVIDER')
  credentials(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.actions.credentials(id, meta(auth, request));
  }
}
