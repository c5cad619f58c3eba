// What callers send to create and change sub-users.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
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
import { PROVIDER_NAMES, ProviderName } from '@app/domain';
import { Transform } from 'class-transformer';
import { lowerCaseIds } from '../../common/ids';
import { NestedObject, Omittable } from '../../common/validation';
import { IsCountryMap, IsMetadata, IsTrafficAmount } from '../validators';

// OpenAPI 3.0 has no null type: a nullable union carries `nullable` on one of its branches.
const trafficLimitDoc = {
  description:
    'Bytes (integer) or a string with a unit: "5GB", "500MB", "1.5 GiB" (1 KB = 1024 B, 1 GB = 1024³ B). null = unlimited (not on IPRoyal, whose traffic is prepaid); 0 is refused (suspend instead). The response reports what the provider actually holds.',
  oneOf: [
    { type: 'integer', format: 'int64', minimum: 1, nullable: true },
    { type: 'string', minLength: 1, maxLength: 32, example: '5GB' },
  ],
  example: '5GB',
};
const countriesDoc = {
  description:
    'Country code (ZZ = any) → number of proxies (Webshare only; elsewhere 422 UNSUPPORTED_BY_PROVIDER). null disables the custom list.',
  type: 'object',
  additionalProperties: { type: 'integer', minimum: 0, maximum: 1_000_000 },
  maxProperties: 300,
  nullable: true,
  example: { US: 10, ZZ: 5 },
} as const;
const METADATA_RULES =
  'At most 50 keys of 1–64 letters, digits, `.`, `_`, `-`, `:`; string values up to 512 characters.';

export const PLACEMENT_STRATEGIES = ['least-used', 'most-balance', 'round-robin'] as const;

export class PlacementDto {
  @ApiPropertyOptional({
    type: String,
    enum: PROVIDER_NAMES,
    isArray: true,
    maxItems: 10,
    example: ['webshare', 'proxyhat'],
    description: 'Only accounts of these providers',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(PROVIDER_NAMES, { each: true })
  providers?: ProviderName[];

  @ApiPropertyOptional({
    type: String,
    pattern: '^[A-Z]{2}$',
    example: 'US',
    description: 'Only accounts whose provider can hold proxies of this country (ISO code)',
  })
  @Omittable()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be a two-letter ISO code' })
  country?: string;

  @ApiPropertyOptional({
    type: String,
    enum: PLACEMENT_STRATEGIES,
    example: 'least-used',
    description:
      'least-used: fewest sub-users; most-balance: largest prepaid balance; round-robin: in turn (default least-used)',
  })
  @Omittable()
  @IsIn(PLACEMENT_STRATEGIES)
  strategy?: (typeof PLACEMENT_STRATEGIES)[number];
}

export class CreateSubUserDto {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description:
      'The provider account to create it on (an id from GET /v1/provider-accounts). Absent: `provider`’s default account, or placement.',
  })
  @Omittable()
  @IsUUID()
  @Transform(lowerCaseIds)
  providerAccountId?: string;

  @ApiPropertyOptional({
    type: String,
    enum: PROVIDER_NAMES,
    example: 'webshare',
    description:
      'Use this provider’s default account (when providerAccountId is absent). Neither: DEFAULT_PROVIDER, or placement.',
  })
  @Omittable()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;

  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 100,
    example: 'customer-42-main',
    description: 'Display name (Webshare label, ProxyHat name; kept by the gateway for IPRoyal)',
  })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: 1000,
    example: 'Reseller order #1042',
    description: 'Kept by the gateway where the provider has no notes',
  })
  @Omittable()
  @IsString()
  @MaxLength(1000)
  notes?: string;

  @ApiPropertyOptional(trafficLimitDoc)
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsTrafficAmount()
  trafficLimit?: number | string | null;

  @ApiPropertyOptional({
    type: 'integer',
    example: 100,
    minimum: 1,
    maximum: 100000,
    description: 'Webshare only (elsewhere 422 UNSUPPORTED_BY_PROVIDER)',
  })
  @Omittable()
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
    type: String,
    pattern: '^[A-Za-z0-9_]{3,64}$',
    example: 'customer42',
    description:
      'The proxy login, where the provider lets the caller choose it (IPRoyal; generated when absent). Elsewhere 422 UNSUPPORTED_BY_PROVIDER.',
  })
  @Omittable()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{3,64}$/, { message: 'proxyUsername must be 3–64 letters, digits or underscores' })
  proxyUsername?: string;

  @ApiPropertyOptional({
    type: String,
    pattern: '^[\\x21-\\x7e]{8,128}$',
    example: 'S3cure-proxy-pass',
    writeOnly: true,
    description:
      'ProxyHat and IPRoyal; generated when absent (Webshare: 422 UNSUPPORTED_BY_PROVIDER). Returned in the create response only.',
  })
  @Omittable()
  @IsString()
  @Matches(/^[\x21-\x7e]{8,128}$/, {
    message: 'proxyPassword must be 8–128 printable characters without spaces',
  })
  proxyPassword?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 64,
    nullable: true,
    description: 'ProxyHat sub-user group id (elsewhere 422 UNSUPPORTED_BY_PROVIDER); null = no group',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 64)
  groupId?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 512 },
    maxProperties: 50,
    example: { customerId: 'c-42' },
    description: `Your own tags, kept by the gateway; filter lists with metadata[<key>]=<value>. ${METADATA_RULES}`,
  })
  @Omittable()
  @IsMetadata(false)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 64,
    example: 'default',
    description: 'Admin keys only: the tenant that owns the sub-user (default: the key’s tenant)',
  })
  @Omittable()
  @IsString()
  @Length(1, 64)
  tenantId?: string;

  @ApiPropertyOptional({
    type: PlacementDto,
    description:
      'When providerAccountId is absent: let the gateway pick an eligible account (with `provider`, among that provider’s accounts; placement.providers must then include it, or 422)',
  })
  @Omittable()
  @NestedObject(() => PlacementDto)
  placement?: PlacementDto;
}

export class UpdateSubUserDto {
  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 100, example: 'customer-42-renamed' })
  @Omittable()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: 1000,
    nullable: true,
    example: 'Moved to the yearly plan',
    description: 'null clears',
  })
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

  @ApiPropertyOptional({
    type: 'integer',
    example: 200,
    minimum: 1,
    maximum: 100000,
    description: 'Webshare only (elsewhere 422 UNSUPPORTED_BY_PROVIDER)',
  })
  @Omittable()
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
    type: String,
    minLength: 1,
    maxLength: 64,
    nullable: true,
    description: 'ProxyHat only: the sub-user group; null removes the sub-user from its group',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 64)
  groupId?: string | null;

  @ApiPropertyOptional({
    type: String,
    pattern: '^[A-Za-z0-9_]{3,64}$',
    example: 'customer42',
    description: 'The proxy login (IPRoyal; elsewhere 422 UNSUPPORTED_BY_PROVIDER)',
  })
  @Omittable()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{3,64}$/, { message: 'proxyUsername must be 3–64 letters, digits or underscores' })
  proxyUsername?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 64,
    example: 'acme',
    description:
      'Admin keys only: move the sub-user to another tenant (e.g. after a create the sync could not assign with certainty). The tenant it enters must have room for it in its budget (maxSubUsers; under maxTrafficBytes, its limit or the one this PATCH sets), else 422 QUOTA_EXCEEDED before any provider call',
  })
  @Omittable()
  @IsString()
  @Length(1, 64)
  tenantId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 512, nullable: true },
    maxProperties: 50,
    example: { plan: 'gold', obsolete: null },
    description: `Merged key by key; a key set to null is removed. ${METADATA_RULES}`,
  })
  @Omittable()
  @IsMetadata(true)
  metadata?: Record<string, string | null>;
}
