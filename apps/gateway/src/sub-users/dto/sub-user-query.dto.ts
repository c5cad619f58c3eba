// Query strings and small bodies of the sub-user routes.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { Transform } from 'class-transformer';
import { PROVIDER_NAMES, ProviderName, SUB_USER_STATUSES } from '@app/domain';
import { PaginationQueryDto } from '../../common/pagination';
import { IsMetadata } from '../validators';

export class ListSubUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  providerAccountId?: string;

  @ApiPropertyOptional({ enum: SUB_USER_STATUSES, description: 'Default: every status but deleted' })
  @IsOptional()
  @IsIn(SUB_USER_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: 'Name contains (case-insensitive)', example: 'customer' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({
    name: 'metadata.<key>',
    description: 'Filter on your own tags: metadata.customerId=c-42 (several are ANDed)',
    type: String,
  })
  @IsOptional()
  @IsMetadata(false)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Admin keys only: one tenant’s sub-users' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tenantId?: string;
}

export class BulkDeleteDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: 1000,
    example: ['3c9b7a52-3f27-4c51-9f0e-0d7f4f5f7a10'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  ids!: string[];
}

export class GetSubUserQueryDto {
  @ApiPropertyOptional({
    description: 'Read through to the provider and refresh the stored snapshot',
    example: true,
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsIn([true, false], { message: 'fresh must be true or false' })
  fresh?: boolean;
}
