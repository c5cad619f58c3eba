import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PROVIDER_NAMES, ProviderName } from '@app/domain';
import { Omittable } from '../common/validation';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
// A provider key travels in an HTTP header: visible ASCII only (no spaces, controls or non-ASCII).
const HEADER_SAFE_PATTERN = '^[\\x21-\\x7e]+$';
const HEADER_SAFE = new RegExp(HEADER_SAFE_PATTERN);
const HEADER_SAFE_MESSAGE = 'apiKey must be visible ASCII characters (it is sent in an HTTP header)';

export class CreateProviderAccountDto {
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'proxyhat' })
  @IsIn(PROVIDER_NAMES)
  provider!: ProviderName;

  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 100,
    pattern: NAME_PATTERN.source,
    example: 'proxyhat-main',
    description: 'Unique; letters, digits, dot, dash, underscore',
  })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name may hold letters, digits, dot, dash and underscore' })
  name!: string;

  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 500,
    example: 'ph-sandbox-key',
    writeOnly: true,
    pattern: HEADER_SAFE_PATTERN,
    description: 'The provider API key. Write-only: stored encrypted (AES-256-GCM), never returned.',
  })
  @IsString()
  @Length(1, 500)
  @Matches(HEADER_SAFE, { message: HEADER_SAFE_MESSAGE })
  apiKey!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    maxLength: 500,
    example: 'http://127.0.0.1:4010/proxyhat/v1',
    description:
      'Defaults to the provider’s public API (Webshare https://proxy.webshare.io, ProxyHat https://api.proxyhat.com/v1, IPRoyal https://resi-api.iproyal.com/v1); loopback and private addresses only where PROVIDER_HOST_ALLOWLIST allows them',
  })
  @Omittable()
  @IsUrl(URL_OPTIONS)
  @MaxLength(500)
  baseUrl?: string;

  @ApiPropertyOptional({
    type: String,
    pattern: '^\\d{1,18}$',
    example: '12345',
    description: 'Webshare plan id (sent as ?plan_id=)',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^\d{1,18}$/, { message: 'planId must be a number' })
  planId?: string | null;

  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description: 'Make it the default account of its provider',
  })
  @Omittable()
  @IsBoolean()
  isDefault?: boolean;

  @ApiPropertyOptional({
    type: String,
    enum: ['all', 'granted'],
    example: 'all',
    description:
      'Which tenants may create sub-users on it: every tenant (all, the default) or only grantedTenants',
  })
  @Omittable()
  @IsIn(['all', 'granted'])
  sharing?: 'all' | 'granted';

  @ApiPropertyOptional({
    type: [String],
    maxItems: 1000,
    example: ['acme'],
    description: 'With sharing=granted: the tenants (ids) that may create on it',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  grantedTenants?: string[];
}

export class UpdateProviderAccountDto {
  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 100,
    pattern: NAME_PATTERN.source,
    example: 'proxyhat-main',
  })
  @Omittable()
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name may hold letters, digits, dot, dash and underscore' })
  name?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 500,
    writeOnly: true,
    example: 'new-provider-key',
    pattern: HEADER_SAFE_PATTERN,
    description: 'A new provider API key: checked with the provider first, stored encrypted',
  })
  @Omittable()
  @IsString()
  @Length(1, 500)
  @Matches(HEADER_SAFE, { message: HEADER_SAFE_MESSAGE })
  apiKey?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    maxLength: 500,
    example: 'https://api.proxyhat.com/v1',
  })
  @Omittable()
  @IsUrl(URL_OPTIONS)
  @MaxLength(500)
  baseUrl?: string;

  @ApiPropertyOptional({
    type: String,
    pattern: '^\\d{1,18}$',
    nullable: true,
    example: '12345',
    description: 'Webshare plan id; null removes it',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^\d{1,18}$/, { message: 'planId must be a number' })
  planId?: string | null;

  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description: 'Make it the default account of its provider',
  })
  @Omittable()
  @IsBoolean()
  isDefault?: boolean;

  @ApiPropertyOptional({ type: String, enum: ['all', 'granted'], example: 'granted' })
  @Omittable()
  @IsIn(['all', 'granted'])
  sharing?: 'all' | 'granted';

  @ApiPropertyOptional({
    type: [String],
    maxItems: 1000,
    example: ['acme'],
    description: 'Replaces the list',
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  grantedTenants?: string[];
}

export class AccountBalanceDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 35004218982,
    description: 'Unallocated prepaid traffic, in bytes',
  })
  availableBytes!: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-11-22T10:00:00.000Z',
    description: 'When the gateway last read it',
  })
  observedAt!: string;
}

export class ProviderAccountDto {
  @ApiProperty({ type: String, format: 'uuid', example: 'b312796d-ba8e-4b7c-826d-522b30460616' })
  id!: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'proxyhat' })
  provider!: string;

  @ApiProperty({ type: String, example: 'proxyhat-main' })
  name!: string;

  @ApiProperty({ type: String, example: 'https://api.proxyhat.com/v1' })
  baseUrl!: string;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'Webshare plan id' })
  planId!: string | null;

  @ApiProperty({ type: Boolean, example: true, description: 'The default account of its provider' })
  isDefault!: boolean;

  @ApiProperty({ type: String, enum: ['all', 'granted'], example: 'all' })
  sharing!: 'all' | 'granted';

  @ApiProperty({ type: [String], example: [] })
  grantedTenants!: string[];

  @ApiProperty({
    type: AccountBalanceDto,
    nullable: true,
    description:
      'The prepaid balance where the provider has one (IPRoyal); null elsewhere. Refreshed by sync.',
  })
  balance!: AccountBalanceDto | null;

  @ApiProperty({
    type: Number,
    example: 12,
    description: 'Sub-users it holds (not deleted): what least-used placement compares',
  })
  subUserCount!: number;

  @ApiProperty({
    type: String,
    enum: ['closed', 'open', 'half-open', 'isolated'],
    example: 'closed',
    description:
      'Its circuit breaker in this replica: not closed while the provider keeps failing (placement skips it)',
  })
  circuit!: 'closed' | 'open' | 'half-open' | 'isolated';

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  updatedAt!: string;
}

export class ProviderAccountPageDto {
  @ApiProperty({ type: [ProviderAccountDto] })
  items!: ProviderAccountDto[];

  @ApiProperty({ nullable: true, type: String, example: null })
  nextCursor!: string | null;
}
