import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { ApiPageResponse, Page } from '../common/pagination';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { idempotencySlotOf } from '../idempotency/idempotency.interceptor';
import { ApiAccessController } from './access-docs';
import { ApiKeysService } from './api-keys.service';
import { AuthContext, CurrentAuth, RequireScopes } from './auth-context';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, ListApiKeysQueryDto } from './dto/api-key.dto';
import { RequestId } from './request-id';

@ApiAccessController()
@RequireScopes('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  // The answer holds the key itself: a stored replay is encrypted at rest.
  @Idempotent({ sealResponse: true })
  @ApiOperation({
    summary: 'Create an API key',
    description:
      'The key is returned once, as `key`, in this response; only its SHA-256 hash is kept. `admin` implies every scope. A tenantId that does not exist is 422.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(
    @CurrentAuth() auth: AuthContext,
    @Body() body: CreateApiKeyDto,
    @RequestId() requestId: string,
    @Req() request: FastifyRequest,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(auth, body, requestId, idempotencySlotOf(request));
  }

  @Get()
  @ApiOperation({
    summary: 'List API keys, newest first (never the key itself)',
    description: 'Revoked keys included (`revokedAt` set); filter by tenantId.',
  })
  @ApiPageResponse(ApiKeyDto)
  list(@Query() query: ListApiKeysQueryDto): Promise<Page<ApiKeyDto>> {
    return this.apiKeys.list(query);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key',
    description:
      'Takes effect at once on every replica, and for good: the admin key bootstrapped from GATEWAY_ADMIN_KEY stays revoked after a restart (a new value of the variable bootstraps a new key). Revoking the key in use is allowed.',
  })
  @ApiParam({ name: 'id', type: String, format: 'uuid', description: 'The key’s id (not the key itself)' })
  @ApiOkResponse({ type: ApiKeyDto, description: 'The key with `revokedAt` set' })
  @ApiProblemResponses('NOT_FOUND')
  revoke(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @RequestId() requestId: string,
  ): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(auth, id, requestId);
  }
}
