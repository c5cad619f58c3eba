// What /health/live and /health/ready answer.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ type: String, enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

/** What anyone may know: whether the gateway can serve, never which accounts it holds. */
export class PublicReadinessDto {
  @ApiProperty({ type: String, enum: ['ok', 'error'], example: 'ok' })
  status!: 'ok' | 'error';

  @ApiProperty({ type: String, enum: ['up', 'down'], example: 'up' })
  database!: 'up' | 'down';

  @ApiProperty({
    type: String,
    enum: ['up', 'degraded'],
    example: 'up',
    description: 'degraded when any provider account’s circuit is not closed (never fails readiness)',
  })
  providers!: 'up' | 'degraded';
}

export class HealthIndicatorDto {
  @ApiProperty({ type: String, enum: ['up', 'down'], example: 'up' })
  status!: string;

  @ApiPropertyOptional({ type: String, enum: ['postgres', 'pglite'], example: 'postgres' })
  kind?: string;

  @ApiPropertyOptional({ type: String, description: 'Why the check failed (down only)' })
  message?: string;
}

class ProviderErrorSummaryDto {
  @ApiProperty({ type: String, example: 'PROVIDER_UNAVAILABLE' })
  code!: string;

  @ApiPropertyOptional({
    type: 'integer',
    example: 503,
    description: 'The provider’s HTTP status, when it answered',
  })
  status?: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  at!: string;
}

export class ProviderReadinessDto {
  @ApiProperty({ type: String, format: 'uuid', example: '9dcfa3f1-9acc-437a-b7d8-33b3591e937d' })
  id!: string;

  @ApiProperty({ type: String, example: 'proxyhat-main' })
  name!: string;

  @ApiProperty({ type: String, example: 'proxyhat' })
  provider!: string;

  @ApiProperty({ type: String, enum: ['up', 'degraded'], example: 'degraded' })
  status!: string;

  @ApiProperty({ type: String, enum: ['closed', 'open', 'half-open', 'isolated'], example: 'open' })
  circuit!: string;

  @ApiProperty({ type: ProviderErrorSummaryDto, nullable: true })
  lastError!: ProviderErrorSummaryDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T09:59:00.000Z' })
  lastSuccessAt!: string | null;
}

const INDICATORS = {
  type: 'object',
  additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' },
  example: { database: { status: 'up', kind: 'postgres' } },
} as const;

/** With an admin API key or METRICS_TOKEN: the checks and every provider account. */
export class DetailedReadinessDto {
  @ApiProperty({ type: String, enum: ['ok', 'error'], example: 'ok' })
  status!: string;

  @ApiProperty({ ...INDICATORS, description: 'Checks that passed' })
  info!: Record<string, HealthIndicatorDto>;

  @ApiProperty({ ...INDICATORS, example: {}, description: 'Checks that failed' })
  error!: Record<string, HealthIndicatorDto>;

  @ApiProperty({ ...INDICATORS, description: 'Every check' })
  details!: Record<string, HealthIndicatorDto>;

  @ApiProperty({ type: [ProviderReadinessDto], description: 'Empty while the database is down' })
  providers!: ProviderReadinessDto[];
}
