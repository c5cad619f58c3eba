import { Body, Controller, Delete, Get, Param, Patch, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses, UPSTREAM_PROBLEMS } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  CreateProviderAccountDto,
  ProviderAccountDto,
  ProviderAccountPageDto,
  UpdateProviderAccountDto,
} from './provider-account.dto';
import { ProviderAccountsService } from './provider-accounts.service';

@ApiTags('provider-accounts')
@ApiBearerAuth('bearer')
@RequireScopes('admin')
@Controller('v1/provider-accounts')
export class ProviderAccountsController {
  constructor(private readonly accounts: ProviderAccountsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Register a provider account',
    description:
      'The provider is asked to accept the key first (502 PROVIDER_AUTH_FAILED when it refuses). The key is stored encrypted and never returned. A name already taken is 409 CONFLICT; a base URL on a private or loopback address is refused unless PROVIDER_HOST_ALLOWLIST names it.',
  })
  @ApiCreatedResponse({ type: ProviderAccountDto })
  @ApiProblemResponses('CONFLICT', ...UPSTREAM_PROBLEMS)
  create(
    @Body() dto: CreateProviderAccountDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.accounts.create(dto, auth, String(request.id));
  }

  @Get()
  @ApiOperation({
    summary: 'List provider accounts',
    description: 'Every account in one page (there are few); never their API keys.',
  })
  @ApiOkResponse({ type: ProviderAccountPageDto })
  async list(): Promise<ProviderAccountPageDto> {
    // A handful of accounts: one page, same shape as every other list.
    return { items: await this.accounts.list(), nextCursor: null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A provider account', description: 'Never its API key.' })
  @ApiParam({ name: 'id', type: String, format: 'uuid', description: 'The provider account’s id' })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses('NOT_FOUND')
  get(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a provider account (a new key, base URL or plan is checked with the provider first)',
    description:
      'Absent field = unchanged. A new apiKey, baseUrl or planId is checked with the provider before it is stored (502 PROVIDER_AUTH_FAILED when refused).',
  })
  @ApiParam({ name: 'id', type: String, format: 'uuid', description: 'The provider account’s id' })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses('NOT_FOUND', 'CONFLICT', ...UPSTREAM_PROBLEMS)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateProviderAccountDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.accounts.update(id, dto, auth, String(request.id));
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Remove a provider account (409 CONFLICT while it still has sub-users)',
    description: 'Delete or move its sub-users first; answers the account as it was.',
  })
  @ApiParam({ name: 'id', type: String, format: 'uuid', description: 'The provider account’s id' })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses('NOT_FOUND', 'CONFLICT')
  remove(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.accounts.remove(id, auth, String(request.id));
  }
}
