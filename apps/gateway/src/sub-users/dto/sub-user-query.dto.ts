// Query strings and small bodies of the sub-user routes.
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
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
import { lowerCaseIds } from '../../common/ids';
import { PaginationQueryDto } from '../../common/pagination';
import { IsMetadata } from '../validators';

/**
 * A deepObject parameter, as Swagger UI sends an object (`metadata[customerId]=c-42`);
 * `style` and `explode` reach the document though ApiPropertyOptions does not list them.
 */
const METADATA_FILTER = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 512 },
  style: 'deepObject',
  explode: true,
  example: { customerId: 'c-42' },
  description:
    'Filter on your own tags, every pair must match: `metadata[customerId]=c-42&metadata[plan]=gold` (the form Swagger UI sends for the object typed here). `metadata.customerId=c-42` works too.',
} as ApiPropertyOptions;

export class ListSubUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, enum: PROVIDER_NAMES, description: 'Only this provider’s sub-users' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description: 'Only the sub-users of this provider account (an id from GET /v1/provider-accounts)',
  })
  @IsOptional()
  @IsUUID()
  @Transform(lowerCaseIds)
  providerAccountId?: string;

  @ApiPropertyOptional({
    type: String,
    enum: SUB_USER_STATUSES,
    description: 'Default: every status but deleted',
  })
  @IsOptional()
  @IsIn(SUB_USER_STATUSES)
  status?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 100,
    description: 'Name contains (case-insensitive)',
    example: 'customer',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional(METADATA_FILTER)
  @IsOptional()
  @IsMetadata(false)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 64,
    description: 'Admin keys only: one tenant’s sub-users',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tenantId?: string;
}

export class BulkDeleteDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: 1000,
    description:
      'Gateway ids of sub-users (from GET /v1/sub-users); ids of other tenants or unknown ids are reported as notFound by the job',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  @Transform(lowerCaseIds)
  ids!: string[];
}

export class GetSubUserQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description: 'Read through to the provider and refresh the stored snapshot',
    example: true,
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsIn([true, false], { message: 'fresh must be true or false' })
  fresh?: boolean;
}
