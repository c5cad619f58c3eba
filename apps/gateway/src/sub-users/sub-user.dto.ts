import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { Transform } from 'class-transformer';
import { PROVIDER_NAMES, ProviderName, SUB_USER_STATUSES } from '@app/domain';
import { PaginationQueryDto } from '../common/pagination';
import { IsCountryMap, IsMetadata, IsTrafficAmount } from './validators';

const trafficLimitDoc = {
  description:
    'Bytes (integer) or a string with a unit: "5GB", "500MB", "1.5 GiB" (1 KB = 1024 B, 1 GB = 1024³ B). null = unlimited; 0 is refused (suspend instead). The response reports what the provider actually holds.',
  oneOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', example: '5GB' },
  ],
  nullable: true,
  example: '5GB',
};
const countriesDoc = {
  description: 'Country code (ZZ = any) → number of proxies (Webshare only). null disables the custom list.',
  type: 'object',
  additionalProperties: { type: 'integer', minimum: 0 },
  nullable: true,
  example: { US: 10, ZZ: 5 },
} as const;

export class CreateSubUserDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The provider account to create it on' })
  @IsOptional()
  @IsUUID()
  providerAccountId?: string;

  @ApiPropertyOptional({
    enum: PROVIDER_NAMES,
    description:
      'Use this provider’s default account (when providerAccountId is absent). Neither: DEFAULT_PROVIDER.',
  })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;

  @ApiProperty({ example: 'customer-42-main', description: 'Display name (Webshare label, ProxyHat name)' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    example: 'Reseller order #1042',
    description: 'Kept by the gateway where the provider has no notes',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  notes?: string;

  @ApiPropertyOptional(trafficLimitDoc)
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsTrafficAmount()
  trafficLimit?: number | string | null;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 100000, description: 'Webshare only' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxConcurrency?: number;

  @ApiPropertyOptional(countriesDoc)
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsCountryMap()
  countries?: Record<string, number> | null;

  @ApiPropertyOptional({
    example: 'customer42',
    description:
      'The proxy login, where the provider lets the caller choose it (IPRoyal; generated when absent). Elsewhere 422 UNSUPPORTED_BY_PROVIDER.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{3,64}$/, { message: 'proxyUsername must be 3–64 letters, digits or underscores' })
  proxyUsername?: string;

  @ApiPropertyOptional({
    example: 'S3cure-proxy-pass',
    writeOnly: true,
    description: 'ProxyHat only; generated when absent. Returned in the create response only.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{8,128}$/, {
    message: 'proxyPassword must be 8–128 printable characters without spaces',
  })
  proxyPassword?: string;

  @ApiPropertyOptional({ example: null, nullable: true, description: 'ProxyHat sub-user group id' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 64)
  groupId?: string | null;

  @ApiPropertyOptional({
    example: { customerId: 'c-42' },
    description: 'Your own tags, kept by the gateway; filter with metadata.<key>=<value>',
  })
  @IsOptional()
  @IsMetadata(false)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'default',
    description: 'Admin keys only: the tenant that owns the sub-user',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tenantId?: string;
}

export class UpdateSubUserDto {
  @ApiPropertyOptional({ example: 'customer-42-renamed' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ example: null, nullable: true, description: 'null clears' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(1000)
  notes?: string | null;

  @ApiPropertyOptional(trafficLimitDoc)
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsTrafficAmount()
  trafficLimit?: number | string | null;

  @ApiPropertyOptional({ example: 200, minimum: 1, maximum: 100000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxConcurrency?: number;

  @ApiPropertyOptional(countriesDoc)
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsCountryMap()
  countries?: Record<string, number> | null;

  @ApiPropertyOptional({
    example: null,
    nullable: true,
    description: 'null removes the sub-user from its group',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 64)
  groupId?: string | null;

  @ApiPropertyOptional({ example: 'customer42', description: 'The proxy login (IPRoyal)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{3,64}$/, { message: 'proxyUsername must be 3–64 letters, digits or underscores' })
  proxyUsername?: string;

  @ApiPropertyOptional({
    example: 'acme',
    description:
      'Admin keys only: move the sub-user to another tenant (e.g. after a create the sync could not assign with certainty)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tenantId?: string;

  @ApiPropertyOptional({
    example: { plan: 'gold', obsolete: null },
    description: 'Merged key by key; a key set to null is removed',
  })
  @IsOptional()
  @IsMetadata(true)
  metadata?: Record<string, string | null>;
}

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

class TrafficDto {
  @ApiProperty({ nullable: true, type: Number, example: 5368709120, description: 'null = unlimited' })
  limitBytes!: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 1073741824 })
  usedBytes!: number | null;

  @ApiProperty({ nullable: true, type: String, example: '2026-11-01T00:00:00.000Z' })
  periodStart!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '2026-12-01T00:00:00.000Z' })
  periodEnd!: string | null;
}

export class SubUserDto {
  @ApiProperty({ format: 'uuid', description: 'The gateway’s id' })
  id!: string;

  @ApiProperty({ enum: PROVIDER_NAMES })
  provider!: string;

  @ApiProperty({ format: 'uuid' })
  providerAccountId!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: '550e8400-e29b-41d4-a716-446655440000',
    description: 'null while the create is still being confirmed',
  })
  providerSubUserId!: string | null;

  @ApiProperty({ example: 'default' })
  tenantId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'customer-42-main' })
  name!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  notes!: string | null;

  @ApiProperty({ enum: SUB_USER_STATUSES, example: 'active' })
  status!: string;

  @ApiProperty({ nullable: true, type: String, example: 'Active', description: 'The provider’s raw status' })
  providerStatus!: string | null;

  @ApiProperty({ type: TrafficDto })
  traffic!: TrafficDto;

  @ApiProperty({ nullable: true, type: Number, example: null })
  maxConcurrency!: number | null;

  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'integer' }, example: null })
  countries!: Record<string, number> | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  groupId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'user_abc123' })
  proxyUsername!: string | null;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    example: null,
    description: 'Normalized usage statistics where the provider gives them',
  })
  stats!: Record<string, unknown> | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { customerId: 'c-42' } })
  metadata!: Record<string, string>;

  @ApiProperty({ example: false, description: 'The provider’s default sub-user (cannot be deleted)' })
  isDefault!: boolean;

  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' })
  updatedAt!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: '2026-11-22T10:00:00.000Z',
    description: 'When the provider last confirmed this data',
  })
  syncedAt!: string | null;
}

export class CreatedSubUserDto extends SubUserDto {
  @ApiPropertyOptional({
    example: 'Zx8-generated-pass',
    description: 'The proxy password, in this response only (ProxyHat)',
  })
  proxyPassword?: string;
}

export class SubUserPageDto {
  @ApiProperty({ type: [SubUserDto] })
  items!: SubUserDto[];

  @ApiProperty({ nullable: true, type: String, example: null })
  nextCursor!: string | null;
}

export class PasswordDto {
  @ApiProperty({ example: 'Zx8-new-pass', description: 'Shown once' })
  password!: string;
}

export class CredentialsDto {
  @ApiProperty({ example: 'user_abc123' })
  username!: string;

  @ApiProperty({ nullable: true, type: String, example: 'S3cure-proxy-pass' })
  password!: string | null;

  @ApiProperty({ example: 'gate.proxyhat.com' })
  host!: string;

  @ApiProperty({ example: { http: 8080 } })
  ports!: { http: number; socks5?: number };

  @ApiProperty({ type: [String], example: ['http://user_abc123:S3cure-proxy-pass@gate.proxyhat.com:8080'] })
  proxyUrls!: string[];
}

export class BulkDeleteAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'sub-users.bulk-delete' })
  type!: string;

  @ApiProperty({ example: 'queued' })
  status!: string;
}
