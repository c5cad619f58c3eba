import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { lowerCaseIds } from '../common/ids';
import { IsInstant } from '../common/instant';
import { PaginationQueryDto } from '../common/pagination';
import { EVENT_TYPE_NAMES } from './event-types';

export class EventSubjectDto {
  @ApiProperty({
    type: String,
    example: 'sub-user',
    description: 'sub-user, provider-account, job or webhook-endpoint',
  })
  type!: string;

  @ApiProperty({ type: String, example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  id!: string;
}

export class EventDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    example: '6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d',
    description:
      'Also the `webhook-id` of its deliveries: the same for every attempt, so receivers can drop repeats',
  })
  id!: string;

  @ApiProperty({ type: String, enum: EVENT_TYPE_NAMES, enumName: 'EventType', example: 'sub-user.updated' })
  type!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-03-01T12:00:00.000Z' })
  occurredAt!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'default',
    description: 'null for provider accounts',
  })
  tenantId!: string | null;

  @ApiProperty({ type: EventSubjectDto })
  subject!: EventSubjectDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The subject as the API shows it after the change: the sub-user (GET /v1/sub-users/{id}), the provider account, or the job (GET /v1/jobs/{id}). Secrets are never included.',
    example: { id: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b', name: 'customer-42', status: 'active' },
  })
  data!: unknown;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'For updates and drift: the fields that changed, `{before, after}`; null otherwise',
    example: { before: { name: 'customer-42' }, after: { name: 'customer-42b' } },
  })
  changes!: unknown;
}

export class EventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    type: [String],
    description: 'Only these types (repeat the parameter: `type=sub-user.created&type=sub-user.deleted`)',
    example: ['sub-user.created'],
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]))
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  type?: string[];

  @ApiPropertyOptional({
    type: String,
    description: 'Only events about this sub-user',
    example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Transform(lowerCaseIds)
  subUserId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Events at or after this time',
    example: '2026-03-01T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  since?: Date;

  @ApiPropertyOptional({
    type: String,
    description: 'Admin only: one tenant’s events (other keys always see their own tenant)',
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenantId?: string;
}
