// What GET /v1/providers answers: each provider's capabilities and how it holds each field.
import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '@app/domain';
// The examples are the real ProxyHat description, so the docs cannot drift from the driver.
import { PROXYHAT_DESCRIPTION } from '@app/providers';

const SUPPORT_LEVELS = ['native', 'gateway', 'unsupported'];

export class FieldFormatDto {
  @ApiProperty({
    type: String,
    example: '^[A-Za-z0-9]{3,32}$',
    description: 'A regular expression every value must match whole',
  })
  pattern!: string;

  @ApiProperty({ type: String, example: '3–32 ASCII letters and digits', description: 'The rule in words' })
  rule!: string;
}

export class FieldSupportDto {
  @ApiProperty({
    type: String,
    enum: SUPPORT_LEVELS,
    example: 'native',
    description:
      'native: the provider holds it; gateway: the gateway keeps it; unsupported: 422 UNSUPPORTED_BY_PROVIDER',
  })
  support!: string;

  @ApiProperty({
    type: String,
    example: 'name',
    description: 'The provider’s own field, or what the gateway does',
  })
  description!: string;

  @ApiProperty({
    type: FieldFormatDto,
    required: false,
    description:
      'Where the provider accepts less than the API’s own rule: a value outside it is 422 VALIDATION_FAILED before any provider call',
  })
  format?: FieldFormatDto;
}

/** Per normalized input field (the API's trafficLimit is `trafficLimitBytes` here). */
export class FieldSupportTableDto {
  @ApiProperty({ type: FieldSupportDto }) name!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) notes!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) trafficLimitBytes!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) maxConcurrency!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) countries!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) groupId!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) proxyUsername!: FieldSupportDto;
  @ApiProperty({ type: FieldSupportDto }) proxyPassword!: FieldSupportDto;
}

export class ProviderCapabilitiesDto {
  @ApiProperty({
    type: String,
    enum: ['native', 'gateway'],
    description: 'gateway: the gateway keeps the notes',
  })
  notes!: string;

  @ApiProperty({
    type: String,
    enum: ['native', 'emulated'],
    description: 'emulated: the gateway fans out single deletes with bounded concurrency',
  })
  bulkDelete!: string;

  @ApiProperty({ type: Boolean }) refreshProxyList!: boolean;

  @ApiProperty({
    type: String,
    enum: ['native', 'masquerade'],
    description: 'masquerade: credentials come from acting as the sub-user',
  })
  credentials!: string;

  @ApiProperty({ type: Boolean }) resetUsage!: boolean;
  @ApiProperty({ type: Boolean }) setPassword!: boolean;
  @ApiProperty({ type: Boolean }) groups!: boolean;
  @ApiProperty({ type: Boolean }) maxConcurrency!: boolean;
  @ApiProperty({ type: Boolean }) countries!: boolean;
  @ApiProperty({ type: Boolean }) trafficLimit!: boolean;

  @ApiProperty({
    type: String,
    enum: ['limit', 'allocation'],
    description: 'limit: a cap on usage; allocation: prepaid traffic moved out of the account’s balance',
  })
  trafficModel!: string;

  @ApiProperty({ type: Boolean, description: 'Whether trafficLimit null (unlimited) is possible' })
  unlimitedTraffic!: boolean;

  @ApiProperty({
    type: Boolean,
    description: 'The account has a prepaid balance (shown on the provider account)',
  })
  balance!: boolean;

  @ApiProperty({
    type: String,
    enum: ['native', 'emulated', 'unsupported'],
    description: 'emulated: the limit is lowered to what is used and restored on resume',
  })
  suspend!: string;

  @ApiProperty({ type: Boolean, description: 'Deletion finishes later: delete answers `deleting`' })
  asyncDelete!: boolean;

  @ApiProperty({ type: String, enum: ['pages', 'none'] })
  pagination!: string;

  @ApiProperty({ type: 'integer', description: 'The provider’s published request limit per account' })
  rateLimitPerMinute!: number;
}

export class ProviderDto {
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'proxyhat' })
  name!: string;

  @ApiProperty({ type: String, example: PROXYHAT_DESCRIPTION.displayName })
  displayName!: string;

  @ApiProperty({
    type: String,
    example: PROXYHAT_DESCRIPTION.defaultBaseUrl,
    description: 'The provider’s public API: a new provider account’s default baseUrl',
  })
  defaultBaseUrl!: string;

  @ApiProperty({
    type: ProviderCapabilitiesDto,
    description: 'What the provider can do, and what the gateway emulates',
    example: PROXYHAT_DESCRIPTION.capabilities,
  })
  capabilities!: ProviderCapabilitiesDto;

  @ApiProperty({
    type: FieldSupportTableDto,
    description:
      'Per normalized field: native (the provider holds it), gateway (kept by the gateway) or unsupported (422 UNSUPPORTED_BY_PROVIDER)',
    example: PROXYHAT_DESCRIPTION.fields,
  })
  fields!: FieldSupportTableDto;
}

export class ProviderListDto {
  @ApiProperty({ type: [ProviderDto] })
  items!: ProviderDto[];

  @ApiProperty({ nullable: true, type: String, example: null, description: 'Always null: one page' })
  nextCursor!: string | null;
}
