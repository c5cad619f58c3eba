import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PaginationQueryDto } from '../common/pagination';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

export class JobDto {
  @ApiProperty({ format: 'uuid', example: '3c9b7a52-3f27-4c51-9f0e-0d7f4f5f7a10' })
  id!: string;

  @ApiProperty({ example: 'sub-users.bulk-delete', enum: ['sub-users.bulk-delete', 'sync'] })
  type!: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status!: string;

  @ApiProperty({ nullable: true, example: 'default' })
  tenantId!: string | null;

  @ApiProperty({
    description: 'Counts so far (updated while the job runs)',
    example: { requested: 3, deleted: 2, skipped: 0, notFound: 1, failed: 0 },
  })
  counts!: Record<string, number>;

  @ApiProperty({
    description: 'Per-item results',
    example: [{ id: '0f0e…', outcome: 'deleted' }],
    type: 'array',
    items: { type: 'object' },
  })
  results!: unknown;

  @ApiProperty({ nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: 1 })
  attempts!: number;

  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ nullable: true, example: '2026-11-22T10:00:00.120Z' })
  startedAt!: string | null;

  @ApiProperty({ nullable: true, example: '2026-11-22T10:00:01.500Z' })
  finishedAt!: string | null;

  @ApiProperty({ nullable: true, example: 1380 })
  durationMs!: number | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto] })
  items!: JobDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ListJobsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: (typeof JOB_STATUSES)[number];

  @ApiPropertyOptional({ example: 'sub-users.bulk-delete' })
  @IsOptional()
  @IsIn(['sub-users.bulk-delete', 'sync'])
  type?: string;
}
