import { Body, Controller, Delete, Get, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
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
      'The provider is asked to accept the key first (502 PROVIDER_AUTH_FAILED when it refuses). The key is stored encrypted and never returned.',
  })
  @ApiCreatedResponse({ type: ProviderAccountDto })
  @ApiProblemResponses(400, 401, 403, 409, 422, 502, 503, 504)
  create(
    @Body() dto: CreateProviderAccountDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.accounts.create(dto, auth, String(request.id));
  }

  @Get()
  @ApiOperation({ summary: 'List provider accounts' })
  @ApiOkResponse({ type: ProviderAccountPageDto })
  @ApiProblemResponses(401, 403)
  async list(): Promise<ProviderAccountPageDto> {
    // A handful of accounts: one page, same shape as every other list.
    return { items: await this.accounts.list(), nextCursor: null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A provider account' })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses(401, 403, 404)
  get(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a provider account (a new key, base URL or plan is checked with the provider first)',
  })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422, 502, 503, 504)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateProviderAccountDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.accounts.update(id, dto, auth, String(request.id));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove a provider account (409 CONFLICT while it still has sub-users)' })
  @ApiOkResponse({ type: ProviderAccountDto })
  @ApiProblemResponses(401, 403, 404, 409)
  remove(@Param('id') id: string, @CurrentAuth() auth: AuthContext, @Req() request: FastifyRequest) {
    return this.accounts.remove(id, auth, String(request.id));
  }
}
