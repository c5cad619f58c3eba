import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';
import { lowerCaseIds } from '../common/ids';
import { Omittable } from '../common/validation';

export class StartSyncDto {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description:
      'Sync this provider account only (an id from GET /v1/provider-accounts; unknown: 422); absent = every provider account',
  })
  @Omittable()
  @IsUUID()
  @Transform(lowerCaseIds)
  providerAccountId?: string;
}

export class SyncAcceptedDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3c9b7a52-3f27-4c51-9f0e-0d7f4f5f7a10' })
  id!: string;

  @ApiProperty({ type: String, example: 'sync', enum: ['sync'] })
  type!: string;

  @ApiProperty({
    type: String,
    enum: ['queued', 'running', 'succeeded', 'failed'],
    example: 'queued',
    description: 'queued for a new job; an already queued or running sync is returned as it is',
  })
  status!: string;
}
