import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { lowerCaseIds } from '../../common/ids';
import { IsInstant } from '../../common/instant';
import { PaginationQueryDto } from '../../common/pagination';

export class AuditEventDto {
  @ApiProperty({ type: String, format: 'uuid', example: '5a0f4a8e-5b8b-4d7c-9f3e-2b7c1d0e9a11' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-03-01T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, example: 'sub-user.created', description: 'What happened: `<target>.<verb>`' })
  action!: string;

  @ApiProperty({ type: String, example: 'sub-user' })
  targetType!: string;

  @ApiProperty({ nullable: true, type: String, example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  targetId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'default' })
  tenantId!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Id of the API key that made the change (null for the gateway itself)',
    example: '8c1f2e3d-4b5a-4c6d-9e7f-0a1b2c3d4e5f',
  })
  actorKeyId!: string | null;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'before / after / request of the change; secrets are replaced by "[redacted]"',
    example: { before: null, after: { name: 'customer-42', proxyPassword: '[redacted]' } },
  })
  changes!: Record<string, unknown> | null;

  @ApiProperty({ type: String, enum: ['ok', 'error'], example: 'ok' })
  outcome!: 'ok' | 'error';

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Error code when outcome is error',
  })
  errorCode!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  providerRequestId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '0d9e1c2a-6a55-4f0e-9d1f-3f3c0f6f3b9e' })
  requestId!: string | null;
}

export class AuditEventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Transform(lowerCaseIds)
  targetId?: string;

  @ApiPropertyOptional({ type: String, example: 'sub-user.created' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ type: String, example: '8c1f2e3d-4b5a-4c6d-9e7f-0a1b2c3d4e5f' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actorKeyId?: string;

  @ApiPropertyOptional({
    type: String,
    description: 'Admin only: one tenant’s events (other keys always see their own tenant)',
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenantId?: string;

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
    format: 'date-time',
    description: 'Events before this time',
    example: '2026-03-02T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  until?: Date;
}
