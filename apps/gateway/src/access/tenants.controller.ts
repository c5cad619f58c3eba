import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ApiPageResponse, Page, PaginationQueryDto } from '../common/pagination';
import { ProblemDetails } from '../common/problem/problem-details';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiAccessController } from './access-docs';
import { AuthContext, CurrentAuth, RequireScopes } from './auth-context';
import { CreateTenantDto, TenantDto } from './dto/tenant.dto';
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
