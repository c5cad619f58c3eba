import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiPageResponse, Page } from '../common/pagination';
import { ProblemDetails } from '../common/problem/problem-details';
import { Idempotent } from '../idempotency/idempotent.decorator';
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
    description: 'The key is returned once, as `key`, in this response; only its SHA-256 hash is kept.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED', type: ProblemDetails })
  create(
    @CurrentAuth() auth: AuthContext,
    @Body() body: CreateApiKeyDto,
    @RequestId() requestId: string,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(auth, body, requestId);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, newest first (never the key itself)' })
  @ApiPageResponse(ApiKeyDto)
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: bad limit or cursor',
    type: ProblemDetails,
  })
  list(@Query() query: ListApiKeysQueryDto): Promise<Page<ApiKeyDto>> {
    return this.apiKeys.list(query);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Takes effect at once on every replica. Revoking the key in use is allowed.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ApiKeyDto, description: 'The key with `revokedAt` set' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ProblemDetails })
  revoke(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @RequestId() requestId: string,
  ): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(auth, id, requestId);
  }
}
