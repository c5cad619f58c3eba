import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsInstant } from '../common/instant';

export const USAGE_GRANULARITIES = ['hour', 'day', 'month'] as const;
/** `metadata.<key>` groups by one of the caller's tags. */
export const USAGE_GROUP_BY = /^(tenant|provider|providerAccountId|subUser|metadata\.[A-Za-z0-9._:-]{1,64})$/;

export class UsageSeriesQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
    description: 'Start (inclusive). Default: the start of the current month (UTC).',
  })
  @IsOptional()
  @IsInstant()
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-12-01T00:00:00Z',
    description: 'End (exclusive). Default: now.',
  })
  @IsOptional()
  @IsInstant()
  to?: Date;

  @ApiPropertyOptional({
    type: String,
    enum: USAGE_GRANULARITIES,
    example: 'day',
    description:
      'Bucket size (UTC). Hourly buckets are kept for USAGE_HOURLY_RETENTION_DAYS, daily ones for ever.',
  })
  @IsOptional()
  @IsIn(USAGE_GRANULARITIES)
  granularity?: (typeof USAGE_GRANULARITIES)[number];
}

export class UsageRollupQueryDto extends UsageSeriesQueryDto {
  @ApiPropertyOptional({
    type: String,
    example: 'provider',
    description:
      'tenant | provider | providerAccountId | subUser | metadata.<key> (one of your tags). Absent: one total per bucket.',
  })
  @IsOptional()
  @Matches(USAGE_GROUP_BY, {
    message: 'groupBy must be tenant, provider, providerAccountId, subUser or metadata.<key>',
  })
  groupBy?: string;
}

export class UsagePointDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-11-21T00:00:00.000Z',
    description: 'Start of the bucket (UTC)',
  })
  periodStart!: string;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 1073741824,
    description: 'Bytes used inside the bucket (provider resets accounted for)',
  })
  usedBytes!: number;
}

export class UsageSeriesDto {
  @ApiProperty({
    type: [UsagePointDto],
    description: 'Buckets with traffic, oldest first (empty buckets are left out)',
  })
  items!: UsagePointDto[];

  @ApiProperty({ type: 'integer', format: 'int64', example: 3221225472, description: 'Bytes, all buckets' })
  totalBytes!: number;
}

export class UsageRollupPointDto extends UsagePointDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'webshare',
    description: 'The group (null without groupBy)',
  })
  group!: string | null;
}

export class UsageRollupDto {
  @ApiProperty({ type: [UsageRollupPointDto] })
  items!: UsageRollupPointDto[];

  @ApiProperty({ type: 'integer', format: 'int64', example: 3221225472, description: 'Bytes, all buckets' })
  totalBytes!: number;
}
