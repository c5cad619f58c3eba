import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { ApiPageResponse, Page, PaginationQueryDto } from '../common/pagination';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiAccessController } from './access-docs';
import { AuthContext, CurrentAuth, RequireScopes } from './auth-context';
import { CreateTenantDto, TenantDto, UpdateTenantDto } from './dto/tenant.dto';
import { RequestId } from './request-id';
import { TenantsService } from './tenants.service';

@ApiAccessController()
@RequireScopes('admin')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a tenant', description: 'A duplicate name is 409 CONFLICT.' })
  @ApiCreatedResponse({ type: TenantDto })
  @ApiProblemResponses('CONFLICT')
  create(
    @CurrentAuth() auth: AuthContext,
    @Body() body: CreateTenantDto,
    @RequestId() requestId: string,
  ): Promise<TenantDto> {
    return this.tenants.create(auth, body, requestId);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Set a tenant’s usage thresholds and budget',
    description:
      'usageThresholds: percents of a sub-user’s limit at which sub-user.usage-threshold is announced, once per provider period. budget: creates and limit changes that would pass it answer 422 QUOTA_EXCEEDED before any provider call; usage over maxTrafficBytes in a period announces tenant.budget-exceeded and, with onExceed=suspend, suspends the tenant’s sub-users.',
  })
  @ApiParam({ name: 'id', type: String, description: 'The tenant’s id (a UUID, or `default`)' })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblemResponses('NOT_FOUND')
  update(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: UpdateTenantDto,
    @RequestId() requestId: string,
  ): Promise<TenantDto> {
    return this.tenants.update(auth, id, body, requestId);
  }

  @Get()
  @ApiOperation({
    summary: 'List tenants, newest first',
    description: 'Every tenant with its usage thresholds and budget; cursor-paginated like every list.',
  })
  @ApiPageResponse(TenantDto)
  list(@Query() query: PaginationQueryDto): Promise<Page<TenantDto>> {
    return this.tenants.list(query);
  }
}
