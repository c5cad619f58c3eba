import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PaginationQueryDto } from '../common/pagination';
import { BulkItemResultDto } from '../sub-users/dto/sub-user-bulk.dto';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

/** The job types the gateway runs (GET /v1/jobs?type=). */
export const JOB_TYPES = [
  'sub-users.bulk-delete',
  'sub-users.bulk-create',
  'sub-users.bulk-update',
  'tenant.suspend-all',
  'sync',
] as const;

class ItemErrorDto {
  @ApiProperty({ type: String, example: 'PROVIDER_UNAVAILABLE', description: 'A problem code' })
  code!: string;

  @ApiProperty({ type: String, example: 'ProxyHat: Service Unavailable' })
  message!: string;
}

/** One id of a bulk delete (`sub-users.bulk-delete` jobs). */
export class BulkDeleteResultDto {
  @ApiProperty({ type: String, format: 'uuid', example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  id!: string;

  @ApiProperty({
    type: String,
    enum: ['deleted', 'deleting', 'skipped', 'notFound', 'failed'],
    example: 'deleted',
    description:
      'deleting: the provider finishes later; skipped: already deleted, the default sub-user, or still being created',
  })
  outcome!: string;

  @ApiPropertyOptional({ type: ItemErrorDto, description: 'Why it was skipped, not found or failed' })
  error?: ItemErrorDto;
}

class SyncPhasesDto {
  @ApiProperty({ type: 'integer', example: 3 }) list!: number;
  @ApiProperty({ type: 'integer', example: 21 }) read!: number;
  @ApiProperty({ type: 'integer', example: 2 }) update!: number;
  @ApiProperty({ type: 'integer', example: 0 }) adopt!: number;
  @ApiProperty({ type: 'integer', example: 0 }) missing!: number;
}

/** One provider account of a sync (`sync` jobs). */
export class SyncAccountResultDto {
  @ApiProperty({ type: String, format: 'uuid', example: '724f2495-fbd3-4b21-9264-1ec244ab8428' })
  accountId!: string;

  @ApiProperty({ type: String, example: 'webshare-sandbox' })
  name!: string;

  @ApiProperty({ type: String, example: 'webshare' })
  provider!: string;

  @ApiProperty({
    type: Boolean,
    example: true,
    description: 'false: the listing failed, nothing was changed',
  })
  ok!: boolean;

  @ApiProperty({ type: 'integer', example: 12 }) listed!: number;
  @ApiProperty({ type: 'integer', example: 1 }) adopted!: number;
  @ApiProperty({ type: 'integer', example: 0 }) matchedIntents!: number;
  @ApiProperty({ type: 'integer', example: 2 }) updated!: number;
  @ApiProperty({ type: 'integer', example: 0 }) drift!: number;
  @ApiProperty({ type: 'integer', example: 0 }) vanished!: number;
  @ApiProperty({ type: 'integer', example: 0 }) deletesConfirmed!: number;
  @ApiProperty({ type: 'integer', example: 0 }) expiredIntents!: number;
  @ApiProperty({ type: 'integer', example: 0 }) ambiguous!: number;
  @ApiProperty({ type: 'integer', example: 26 }) durationMs!: number;

  @ApiProperty({ type: SyncPhasesDto, description: 'Milliseconds per phase' })
  phasesMs!: SyncPhasesDto;

  @ApiPropertyOptional({ type: ItemErrorDto, description: 'Why the account could not be synced' })
  error?: ItemErrorDto;
}

/** One sub-user of a tenant suspended for its budget (`tenant.suspend-all` jobs). */
export class SuspendTenantResultDto {
  @ApiProperty({ type: String, format: 'uuid', example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  id!: string;

  @ApiProperty({ type: String, enum: ['suspended', 'failed'], example: 'suspended' })
  outcome!: string;

  @ApiPropertyOptional({ type: String, description: 'Why it failed' })
  error?: string;
}

/**
 * Result item schemas, one per job type (the answer of GET /v1/jobs/{id} lists them under
 * `results`); a new job type adds its own here.
 */
export const JOB_RESULT_MODELS = [
  BulkDeleteResultDto,
  BulkItemResultDto,
  SuspendTenantResultDto,
  SyncAccountResultDto,
];

@ApiExtraModels(...JOB_RESULT_MODELS)
export class JobDto {
  @ApiProperty({ type: String, format: 'uuid', example: 'bc541cab-e814-4c4b-add4-44cbf5150808' })
  id!: string;

  @ApiProperty({ type: String, example: 'sub-users.bulk-delete', enum: JOB_TYPES })
  type!: string;

  @ApiProperty({ type: String, enum: JOB_STATUSES, example: 'succeeded' })
  status!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'default',
    description: 'The tenant it runs for; null for a sync of every tenant',
  })
  tenantId!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description:
      'Counts so far (updated while the job runs; empty until the first progress). Bulk delete: requested, deleted, skipped, notFound, failed; sync: accounts, accountsSynced, accountsFailed and the per-account counts summed',
    example: { requested: 3, deleted: 2, skipped: 0, notFound: 1, failed: 0 },
  })
  counts!: Record<string, number>;

  @ApiProperty({
    type: 'array',
    // anyOf: a failed bulk-delete item and a failed suspend-all item can look alike.
    items: { anyOf: JOB_RESULT_MODELS.map((model) => ({ $ref: getSchemaPath(model) })) },
    description:
      'Per-item results, by job type: BulkDeleteResultDto (sub-users.bulk-delete), BulkItemResultDto (sub-users.bulk-create and bulk-update), SuspendTenantResultDto (tenant.suspend-all), SyncAccountResultDto (sync, one per provider account)',
    example: [
      { id: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b', outcome: 'deleted' },
      { id: '5d0c9a8b-7e6f-4a3b-9c2d-1e0f9a8b7c6d', outcome: 'deleting' },
      {
        id: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
        outcome: 'notFound',
        error: { code: 'NOT_FOUND', message: 'No sub-user 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' },
      },
    ],
  })
  results!: unknown;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the job failed (status failed); null otherwise',
  })
  error!: string | null;

  @ApiProperty({ type: 'integer', example: 1, description: 'Runs started (more than 1 after a takeover)' })
  attempts!: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T10:00:00.120Z' })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T10:00:01.500Z' })
  finishedAt!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1380, description: 'null until it finished' })
  durationMs!: number | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto] })
  items!: JobDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class ListJobsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: (typeof JOB_STATUSES)[number];

  @ApiPropertyOptional({ type: String, enum: JOB_TYPES, example: 'sub-users.bulk-delete' })
  @IsOptional()
  @IsIn(JOB_TYPES)
  type?: string;
}
