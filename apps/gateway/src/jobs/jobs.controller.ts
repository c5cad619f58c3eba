import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { JobDto, JobPageDto, ListJobsQueryDto } from './jobs.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBearerAuth('bearer')
@RequireScopes('sub-users:read')
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({
    summary: 'List jobs (newest first); a tenant key sees its own tenant’s jobs',
    description:
      'Filter by status and type; cursor-paginated like every list. Admin keys see every tenant’s jobs.',
  })
  @ApiOkResponse({ type: JobPageDto })
  list(@Query() query: ListJobsQueryDto, @CurrentAuth() auth: AuthContext) {
    return this.jobs.list(query, auth);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A job: status (queued | running | succeeded | failed), counts, per-item results',
    description:
      'Poll it until status is succeeded or failed: counts and results grow while it runs. A job of another tenant is 404.',
  })
  @ApiParam({
    name: 'id',
    type: String,
    format: 'uuid',
    description: 'The job id (from the 202 that started it)',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiProblemResponses('NOT_FOUND')
  get(@Param('id') id: string, @CurrentAuth() auth: AuthContext) {
    return this.jobs.get(id, auth);
  }
}
