import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'List jobs (newest first); a tenant key sees its own tenant’s jobs' })
  @ApiOkResponse({ type: JobPageDto })
  @ApiProblemResponses(401, 403, 422)
  list(@Query() query: ListJobsQueryDto, @CurrentAuth() auth: AuthContext) {
    return this.jobs.list(query, auth);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A job: status (queued | running | succeeded | failed), counts, per-item results',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiProblemResponses(401, 403, 404)
  get(@Param('id') id: string, @CurrentAuth() auth: AuthContext) {
    return this.jobs.get(id, auth);
  }
}
