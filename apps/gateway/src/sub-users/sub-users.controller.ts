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
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
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

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The ETag from a previous answer; 412 when it no longer matches',
};
const UPSTREAM = [502, 503, 504] as const;

function meta(auth: AuthContext, request: FastifyRequest): RequestMeta {
  const key = request.headers['idempotency-key'];
  return { auth, requestId: String(request.id), ...(typeof key === 'string' ? { idempotencyKey: key } : {}) };
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
      'Names a providerAccountId, or a provider (its default account), or neither (DEFAULT_PROVIDER). Fields a provider cannot hold are refused with 422 UNSUPPORTED_BY_PROVIDER, never dropped; notes are kept by the gateway where the provider has none. Send an Idempotency-Key to retry safely.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Replays the first answer for 24 hours',
  })
  @ApiCreatedResponse({ type: CreatedSubUserDto, headers: { ETag: { schema: { type: 'string' } } } })
  @ApiProblemResponses(400, 401, 403, 409, 422, ...UPSTREAM)
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
    description: 'Sorted by createdAt desc, then id. Deleted sub-users are left out unless status=deleted.',
  })
  @ApiOkResponse({ type: SubUserPageDto })
  @ApiProblemResponses(401, 403, 422)
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
      'Answers 202 with a job; GET /v1/jobs/{id} gives {requested, deleted, skipped, notFound, failed} and one outcome per id. Ids of other tenants count as notFound.',
  })
  @ApiAcceptedResponse({ type: BulkDeleteAcceptedDto })
  @ApiProblemResponses(400, 401, 403, 409, 422)
  async bulkDelete(
    @Body() dto: BulkDeleteDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    const job = await this.jobs.enqueue(
      BULK_DELETE_JOB,
      { ids: dto.ids, requestId: String(request.id) },
      auth,
    );
    return { id: job.id, type: job.type, status: job.status };
  }

  @Get(':id')
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'A sub-user (fresh=true reads through to the provider and refreshes the snapshot)',
  })
  @ApiOkResponse({ type: SubUserDto, headers: { ETag: { schema: { type: 'string' } } } })
  @ApiProblemResponses(401, 403, 404, 422, ...UPSTREAM)
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
      'Absent field = unchanged; null clears (unlimited traffic, no group, no notes); metadata merges key by key (null removes a key).',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 412, 422, ...UPSTREAM)
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
      'Answers 200 with the sub-user in its new state: deleted, or deleting where the provider finishes later. Deleting one already deleted or deleting answers its state.',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: SubUserDto })
  @ApiProblemResponses(401, 403, 404, 409, 412, ...UPSTREAM)
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
