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
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { PROVIDER_NAMES, ProviderName } from '@app/domain';
import { IsCountryMap, IsMetadata, IsTrafficAmount } from '../validators';

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

export const PLACEMENT_STRATEGIES = ['least-used', 'most-balance', 'round-robin'] as const;

export class PlacementDto {
  @ApiPropertyOptional({ enum: PROVIDER_NAMES, isArray: true, example: ['webshare', 'proxyhat'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(PROVIDER_NAMES, { each: true })
  providers?: ProviderName[];

  @ApiPropertyOptional({
    example: 'US',
    description: 'Only accounts whose provider can hold proxies of this country (ISO code)',
  })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be a two-letter ISO code' })
  country?: string;

  @ApiPropertyOptional({ enum: PLACEMENT_STRATEGIES, example: 'least-used' })
  @IsOptional()
  @IsIn(PLACEMENT_STRATEGIES)
  strategy?: (typeof PLACEMENT_STRATEGIES)[number];
}

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

  @ApiPropertyOptional({
    type: PlacementDto,
    description:
      'When neither providerAccountId nor a provider with a single default is named: let the gateway pick an eligible account',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;
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
