import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses, UPSTREAM_PROBLEMS } from '../common/problem/problem-responses';
import {
  CREATED_SUB_USER_EXAMPLES,
  CREATE_SUB_USER_EXAMPLES,
  SUB_USER_EXAMPLES,
  SUB_USER_PAGE_EXAMPLES,
  UPDATE_SUB_USER_EXAMPLES,
} from '../docs/examples';
import { ApiSubUserId, ETAG_HEADER, IF_MATCH_HEADER } from '../docs/openapi-conventions';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { idempotencySlotOf } from '../idempotency/idempotency.interceptor';
import { JobsService } from '../jobs/jobs.service';
import {
  BulkDeleteAcceptedDto,
  BulkDeleteDto,
  CreateSubUserDto,
  CreatedSubUserDto,
  GetSubUserQueryDto,
  ListSubUsersQueryDto,
  SubUserDto,
  SubUserPageDto,
  UpdateSubUserDto,
} from './sub-user.dto';
import { RequestMeta } from './request-meta';
import { BULK_DELETE_JOB } from './use-cases/bulk-delete/bulk-delete.job';
import { ChangeSubUser } from './use-cases/change-sub-user/change-sub-user.use-case';
import { CreateSubUser } from './use-cases/create-sub-user/create-sub-user.use-case';
import { DeleteSubUser } from './use-cases/delete-sub-user/delete-sub-user.use-case';
import { GetSubUser } from './use-cases/query-sub-users/get-sub-user.use-case';
import { ListSubUsers } from './use-cases/query-sub-users/list-sub-users.use-case';

function meta(auth: AuthContext, request: FastifyRequest): RequestMeta {
  const key = request.headers['idempotency-key'];
  const idempotency = idempotencySlotOf(request);
  return {
    auth,
    requestId: String(request.id),
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    ...(idempotency ? { idempotency } : {}),
  };
}

@ApiTags('sub-users')
@ApiBearerAuth('bearer')
@Controller('v1/sub-users')
export class SubUsersController {
  constructor(
    private readonly createSubUser: CreateSubUser,
    private readonly changeSubUser: ChangeSubUser,
    private readonly deleteSubUser: DeleteSubUser,
    private readonly getSubUser: GetSubUser,
    private readonly listSubUsers: ListSubUsers,
    private readonly jobs: JobsService,
  ) {}

  @Post()
  @RequireScopes('sub-users:write')
  @Idempotent({ sealResponse: true })
  @ApiOperation({
    summary: 'Create a sub-user on a provider',
    description:
      'Names a `providerAccountId` (from GET /v1/provider-accounts), or a `provider` (its default account), or `placement` (the gateway picks an eligible account), or none of them (DEFAULT_PROVIDER). ' +
      'Pick the example of a provider: each holds different fields (GET /v1/providers says which). Fields a provider cannot hold are refused, all at once, with 422 UNSUPPORTED_BY_PROVIDER listing each in `errors`; never dropped. Notes and metadata are kept by the gateway where the provider has no such field. ' +
      'The proxy password (ProxyHat, IPRoyal) is in this answer only. Send an Idempotency-Key to retry safely: a create whose answer was lost is never made twice. Here the key is also held by the sub-user it made, for the whole tenant: another API key of the tenant sending the same value gets that sub-user (without its password), or 409 IDEMPOTENCY_CONFLICT with another body.',
  })
  @ApiBody({ type: CreateSubUserDto, examples: CREATE_SUB_USER_EXAMPLES })
  @ApiCreatedResponse({
    description: 'Created on the provider',
    type: CreatedSubUserDto,
    headers: ETAG_HEADER,
    examples: CREATED_SUB_USER_EXAMPLES,
  })
  @ApiProblemResponses(
    'NOT_FOUND',
    'CONFLICT',
    'UNSUPPORTED_BY_PROVIDER',
    'QUOTA_EXCEEDED',
    ...UPSTREAM_PROBLEMS,
  )
  async create(
    @Body() dto: CreateSubUserDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedSubUserDto> {
    const { subUser, etag } = await this.createSubUser.execute({ dto, meta: meta(auth, request) });
    void reply.header('etag', etag);
    return subUser;
  }

  @Get()
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'List sub-users from the local mapping (fast, filterable, cursor-paginated)',
    description:
      'Sorted by createdAt desc, then id. Deleted sub-users are left out unless status=deleted. Filters combine (AND); `metadata` takes your own tags: in Swagger UI type a JSON object such as `{"customerId": "c-42"}`, which is sent as `metadata[customerId]=c-42`. A tenant key sees its own tenant only.',
  })
  @ApiOkResponse({ type: SubUserPageDto, examples: SUB_USER_PAGE_EXAMPLES })
  list(@Query() query: ListSubUsersQueryDto, @CurrentAuth() auth: AuthContext) {
    return this.listSubUsers.execute(query, auth);
  }

  @Post('bulk-delete')
  @HttpCode(202)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Delete up to 1,000 sub-users across providers (a job)',
    description:
      'Answers 202 with a job; GET /v1/jobs/{id} gives {requested, deleted, skipped, notFound, failed} and one outcome per id. Ids of other tenants count as notFound. Provider failures are reported per id in the job, not as the answer of this call.',
  })
  @ApiAcceptedResponse({ type: BulkDeleteAcceptedDto, description: 'The job, queued' })
  async bulkDelete(
    @Body() dto: BulkDeleteDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.jobs.enqueueAccepted(
      BULK_DELETE_JOB,
      { ids: dto.ids, requestId: String(request.id) },
      auth,
      idempotencySlotOf(request),
    );
  }

  @Get(':id')
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'A sub-user (fresh=true reads through to the provider and refreshes the snapshot)',
    description:
      'Served from the stored snapshot (`syncedAt` says when the provider last confirmed it); `fresh=true` asks the provider first. Its ETag is what If-Match takes on PATCH and DELETE. Another tenant’s sub-user is 404.',
  })
  @ApiSubUserId()
  @ApiOkResponse({ type: SubUserDto, headers: ETAG_HEADER, examples: SUB_USER_EXAMPLES })
  @ApiProblemResponses('NOT_FOUND', 'PROVIDER_NOT_FOUND', ...UPSTREAM_PROBLEMS)
  async get(
    @Param('id') id: string,
    @Query() query: GetSubUserQueryDto,
    @CurrentAuth() auth: AuthContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubUserDto> {
    const { subUser, etag } = await this.getSubUser.execute(id, auth, query.fresh === true);
    void reply.header('etag', etag);
    return subUser;
  }

  @Patch(':id')
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Change a sub-user',
    description:
      'Absent field = unchanged; null clears (unlimited traffic, no group, no notes); metadata merges key by key (null removes a key). Pick the example of the sub-user’s provider: fields it cannot hold are refused together (422 UNSUPPORTED_BY_PROVIDER, each in `errors`). With If-Match, the change is made only if the sub-user is still at that ETag (412 otherwise).',
  })
  @ApiSubUserId()
  @ApiHeader(IF_MATCH_HEADER)
  @ApiBody({ type: UpdateSubUserDto, examples: UPDATE_SUB_USER_EXAMPLES })
  @ApiOkResponse({ type: SubUserDto, headers: ETAG_HEADER, examples: SUB_USER_EXAMPLES })
  @ApiProblemResponses(
    'NOT_FOUND',
    'CONFLICT',
    'PRECONDITION_FAILED',
    'UNSUPPORTED_BY_PROVIDER',
    'QUOTA_EXCEEDED',
    'PROVIDER_NOT_FOUND',
    ...UPSTREAM_PROBLEMS,
  )
  async update(
    @Param('id') id: string,
    @Body() dto: UpdateSubUserDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubUserDto> {
    const { subUser, etag } = await this.changeSubUser.execute({
      id,
      dto,
      ifMatch,
      meta: meta(auth, request),
    });
    void reply.header('etag', etag);
    return subUser;
  }

  @Delete(':id')
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Delete a sub-user',
    description:
      'Answers 200 with the sub-user in its new state: deleted, or deleting where the provider finishes later (ProxyHat). Deleting one already deleted or deleting answers its state. The provider’s default sub-user cannot be deleted (409).',
  })
  @ApiSubUserId()
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: SubUserDto, headers: ETAG_HEADER, examples: SUB_USER_EXAMPLES })
  @ApiProblemResponses('NOT_FOUND', 'CONFLICT', 'PRECONDITION_FAILED', ...UPSTREAM_PROBLEMS)
  async remove(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubUserDto> {
    const { subUser, etag } = await this.deleteSubUser.execute({ id, ifMatch, meta: meta(auth, request) });
    void reply.header('etag', etag);
    return subUser;
  }
}
