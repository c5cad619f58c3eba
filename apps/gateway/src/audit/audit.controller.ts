import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { PageInPiecesInterceptor } from '../common/page-in-pieces.interceptor';
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
  @UseInterceptors(PageInPiecesInterceptor)
  list(@CurrentAuth() auth: AuthContext, @Query() query: AuditEventsQueryDto): Promise<Page<AuditEventDto>> {
    return this.audit.list(auth, query);
  }
}
