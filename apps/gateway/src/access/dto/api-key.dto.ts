import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination';
import { ALL_SCOPES, Scope } from '../auth-context';
import { Omittable } from '../../common/validation';

export class CreateApiKeyDto {
  @ApiProperty({ type: String, example: 'billing-service', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    type: String,
    description: 'Tenant the key acts for; defaults to the caller’s tenant',
    example: '3f1c2b4a-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
  })
  @Omittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  tenantId?: string;

  @ApiProperty({
    type: String,
    enum: ALL_SCOPES,
    isArray: true,
    example: ['sub-users:read', 'sub-users:write'],
    description: '`admin` implies every other scope and reaches every tenant',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ALL_SCOPES, { each: true })
  scopes!: Scope[];
}

export class ApiKeyDto {
  @ApiProperty({ type: String, format: 'uuid', example: '8c1f2e3d-4b5a-4c6d-9e7f-0a1b2c3d4e5f' })
  id!: string;

  @ApiProperty({ type: String, example: 'billing-service' })
  name!: string;

  @ApiProperty({ type: String, example: 'default' })
  tenantId!: string;

  @ApiProperty({
    type: String,
    enum: ALL_SCOPES,
    isArray: true,
    example: ['sub-users:read', 'sub-users:write'],
  })
  scopes!: Scope[];

  @ApiProperty({
    type: String,
    description: 'The first characters of the key, to tell keys apart',
    example: 'sgw_Xk3b9QzA',
  })
  prefix!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-03-01T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  revokedAt!: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: null,
    description: 'Updated at most once a minute',
  })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    type: String,
    description: 'The key itself: shown in this response only, store it now',
    example: 'sgw_Xk3b9QzA0f1mPq7Lr2sT4uV6wY8zA1bC3dE5fG7hJ9k',
  })
  key!: string;
}

export class ListApiKeysQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, example: 'default' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenantId?: string;
}
