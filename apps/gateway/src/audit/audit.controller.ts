import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiPageResponse, Page } from '../common/pagination';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditEventsQueryDto } from './dto/audit-event.dto';

@ApiTags('audit')
@ApiBearerAuth('bearer')
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'List audit events, newest first',
    description:
      'Every change made through the gateway: who, what, when, before/after without secrets, outcome. ' +
      'Admin keys see every tenant (or one with `tenantId`); other keys see their own tenant only.',
  })
  @ApiPageResponse(AuditEventDto)
  list(@CurrentAuth() auth: AuthContext, @Query() query: AuditEventsQueryDto): Promise<Page<AuditEventDto>> {
    return this.audit.list(auth, query);
  }
}
