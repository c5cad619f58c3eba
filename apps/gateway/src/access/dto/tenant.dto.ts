import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { NestedObject, Omittable } from '../../common/validation';

export class CreateTenantDto {
  @ApiProperty({ type: String, example: 'acme-reseller', maxLength: 100, description: 'Unique name' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(/^\S(.*\S)?$/, { message: 'name must not start or end with whitespace' })
  name!: string;
}

export class TenantBudgetDto {
  @ApiPropertyOptional({
    type: 'integer',
    example: 500,
    minimum: 0,
    maximum: 10_000_000,
    description: 'Most sub-users the tenant may hold',
  })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  maxSubUsers?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    example: 1099511627776,
    minimum: 0,
    description:
      'Bytes the tenant’s sub-user limits may add up to, and the tenant may use in one period (every sub-user then needs a limit)',
  })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  maxTrafficBytes?: number;

  @ApiProperty({
    type: String,
    enum: ['month'],
    example: 'month',
    description: 'The usage period (calendar month, UTC)',
  })
  @IsIn(['month'])
  period!: 'month';

  @ApiPropertyOptional({
    type: String,
    enum: ['notify', 'suspend'],
    example: 'notify',
    description:
      'When usage passes maxTrafficBytes: announce tenant.budget-exceeded, and with `suspend` suspend the tenant’s sub-users',
  })
  @Omittable()
  @IsIn(['notify', 'suspend'])
  onExceed?: 'notify' | 'suspend';
}

export class UpdateTenantDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 1000 },
    maxItems: 10,
    example: [50, 80, 100],
    description:
      'Percent of a sub-user’s limit at which sub-user.usage-threshold is announced, once per period (default 80, 90, 100)',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(1000, { each: true })
  usageThresholds?: number[];

  @ApiPropertyOptional({ type: TenantBudgetDto, nullable: true, description: 'null removes the budget' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @NestedObject(() => TenantBudgetDto)
  budget?: TenantBudgetDto | null;
}

export class TenantDto {
  @ApiProperty({
    type: String,
    example: '3f1c2b4a-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
    description: 'A UUID, or `default`',
  })
  id!: string;

  @ApiProperty({ type: String, example: 'acme-reseller' })
  name!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'integer' },
    example: [80, 90, 100],
    description: 'Percent of a sub-user’s limit at which sub-user.usage-threshold is announced',
  })
  usageThresholds!: number[];

  @ApiProperty({ type: TenantBudgetDto, nullable: true })
  budget!: TenantBudgetDto | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-03-01T12:00:00.000Z' })
  createdAt!: string;
}
