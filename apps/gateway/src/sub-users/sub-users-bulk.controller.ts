import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { idempotencySlotOf } from '../idempotency/idempotency.interceptor';
import { JobsService } from '../jobs/jobs.service';
import { BulkCreateDto, BulkUpdateDto } from './sub-user.dto';
import { BULK_CREATE_JOB } from './use-cases/bulk-create/bulk-create.job';
import { BULK_UPDATE_JOB } from './use-cases/bulk-update/bulk-update.job';

class BulkJobAcceptedDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    example: 'bc541cab-e814-4c4b-add4-44cbf5150808',
    description: 'GET /v1/jobs/{id}',
  })
  id!: string;

  @ApiProperty({ type: String, enum: [BULK_CREATE_JOB, BULK_UPDATE_JOB], example: BULK_CREATE_JOB })
  type!: string;

  @ApiProperty({ type: String, enum: ['queued'], example: 'queued' })
  status!: string;
}

const RESULTS =
  'GET /v1/jobs/{id} shows the counts while it runs and one result per item, in input order: `{index, id?, outcome: created | updated | failed | skipped, error?: {code, status, detail, errors?}}` — the answer the single call would have given.';

/** Bulk create and update: jobs, so a thousand items never hold a request open. */
@ApiTags('sub-users')
@ApiBearerAuth('bearer')
@Controller('v1/sub-users')
export class SubUsersBulkController {
  constructor(private readonly jobs: JobsService) {}

  @Post('bulk-create')
  @HttpCode(202)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Create up to 1,000 sub-users (a job)',
    description: `Each item goes through the same path as POST /v1/sub-users (intent first, placement, tenant budget), paced within each provider account’s published rate limit; an item that fails (validation included) is reported and the others go on. A job taken over after a restart creates nothing twice, and the Idempotency-Key of this call covers the whole batch. ${RESULTS}`,
  })
  @ApiAcceptedResponse({ type: BulkJobAcceptedDto, description: 'The job, queued' })
  async bulkCreate(
    @Body() dto: BulkCreateDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.jobs.enqueueAccepted(
      BULK_CREATE_JOB,
      JSON.parse(
        JSON.stringify({ items: dto.items, placement: dto.placement, requestId: String(request.id) }),
      ),
      auth,
      idempotencySlotOf(request),
    );
  }

  @Post('bulk-update')
  @HttpCode(202)
  @RequireScopes('sub-users:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Change up to 1,000 sub-users (a job)',
    description: `Each item is {id, ifMatch?, …the fields of PATCH /v1/sub-users/{id}} and goes through the same path as that PATCH: a stale ifMatch fails that item with 412 PRECONDITION_FAILED and the others are applied. ${RESULTS}`,
  })
  @ApiAcceptedResponse({ type: BulkJobAcceptedDto, description: 'The job, queued' })
  async bulkUpdate(
    @Body() dto: BulkUpdateDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ) {
    return this.jobs.enqueueAccepted(
      BULK_UPDATE_JOB,
      JSON.parse(JSON.stringify({ items: dto.items, requestId: String(request.id) })),
      auth,
      idempotencySlotOf(request),
    );
  }
}
