import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiPageResponse, Page, PaginationQueryDto } from '../common/pagination';
import { ProblemDetails } from '../common/problem/problem-details';
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
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED', type: ProblemDetails })
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
  @ApiOkResponse({ type: TenantDto })
  @ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED', type: ProblemDetails })
  update(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: UpdateTenantDto,
    @RequestId() requestId: string,
  ): Promise<TenantDto> {
    return this.tenants.update(auth, id, body, requestId);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants, newest first' })
  @ApiPageResponse(TenantDto)
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: bad limit or cursor',
    type: ProblemDetails,
  })
  list(@Query() query: PaginationQueryDto): Promise<Page<TenantDto>> {
    return this.tenants.list(query);
  }
}
