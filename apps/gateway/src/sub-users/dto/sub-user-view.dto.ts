// What the sub-user routes answer.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES, SUB_USER_STATUSES } from '@app/domain';

// Property examples describe one coherent Webshare sub-user; the operations add one example per
// provider (docs/examples.ts).

export class TrafficDto {
  @ApiProperty({
    nullable: true,
    type: 'integer',
    format: 'int64',
    example: 5368709120,
    description: 'Bytes; null = unlimited',
  })
  limitBytes!: number | null;

  @ApiProperty({
    nullable: true,
    type: 'integer',
    format: 'int64',
    example: 1073741824,
    description: 'Bytes used in the current period; null when the provider does not say',
  })
  usedBytes!: number | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-11-01T00:00:00.000Z',
    description: 'Start of the provider’s usage period (Webshare); null where the provider has none',
  })
  periodStart!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: '2026-12-01T00:00:00.000Z' })
  periodEnd!: string | null;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 3221225472,
    description:
      'Everything used since the gateway has known the sub-user, in bytes: it keeps growing when the provider resets its counter',
  })
  lifetimeUsedBytes!: number;
}

export class SuspensionDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  since!: string;

  @ApiProperty({
    type: String,
    enum: ['native', 'emulated'],
    example: 'emulated',
    description: 'emulated: the provider-side limit was lowered to what was already used',
  })
  mode!: 'native' | 'emulated';

  @ApiProperty({
    nullable: true,
    type: 'integer',
    format: 'int64',
    example: 5368709120,
    description: 'Restored on resume; null = unlimited',
  })
  resumeLimitBytes!: number | null;
}

export class SubUserErrorReasonDto {
  @ApiProperty({ type: String, example: 'target_connect_failed' })
  reason!: string;

  @ApiProperty({ type: String, nullable: true, example: 'client' })
  type!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Check the target host' })
  howToFix!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 502 })
  httpStatus!: number | null;

  @ApiProperty({ type: 'integer', example: 3 })
  count!: number;
}

/** Usage statistics, normalized; a field is null when the provider does not report it. */
export class SubUserStatsDto {
  @ApiProperty({ type: 'integer', format: 'int64', nullable: true, example: 1073741824 })
  bandwidthTotalBytes!: number | null;

  @ApiProperty({ type: 'integer', format: 'int64', nullable: true, example: 2147483648 })
  bandwidthProjectedBytes!: number | null;

  @ApiProperty({ type: 'integer', format: 'int64', nullable: true, example: 35791394 })
  bandwidthAverageBytes!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1200 })
  requestsTotal!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1197 })
  requestsSuccessful!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 3 })
  requestsFailed!: number | null;

  @ApiProperty({ type: [SubUserErrorReasonDto] })
  errorReasons!: SubUserErrorReasonDto[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { US: 1100, DE: 100 },
    description: 'Country code → requests',
  })
  countriesUsed!: Record<string, number>;

  @ApiProperty({ type: 'integer', nullable: true, example: 15 })
  numberOfProxiesUsed!: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { http: 1150, socks5: 50 },
    description: 'Protocol → requests',
  })
  protocolsUsed!: Record<string, number>;

  @ApiProperty({ type: 'number', nullable: true, example: 1.5 })
  averageConcurrency!: number | null;

  @ApiProperty({ type: 'number', nullable: true, example: 0.2 })
  averageRps!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T09:58:00.000Z' })
  lastRequestAt!: string | null;
}

export class SubUserDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    example: '0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b',
    description: 'The gateway’s id',
  })
  id!: string;

  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'webshare' })
  provider!: string;

  @ApiProperty({ type: String, format: 'uuid', example: '724f2495-fbd3-4b21-9264-1ec244ab8428' })
  providerAccountId!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: '60449167526431',
    description: 'The provider’s own id; null while the create is still being confirmed',
  })
  providerSubUserId!: string | null;

  @ApiProperty({ type: String, example: 'default' })
  tenantId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'customer-42-webshare' })
  name!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'Reseller order #1042',
    description: 'Kept by the gateway where the provider has no notes (Webshare, IPRoyal)',
  })
  notes!: string | null;

  @ApiProperty({ type: String, enum: SUB_USER_STATUSES, example: 'active' })
  status!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'The provider’s raw status (ProxyHat: "Active"); null where it has none',
  })
  providerStatus!: string | null;

  @ApiProperty({ type: TrafficDto })
  traffic!: TrafficDto;

  @ApiProperty({ type: SuspensionDto, nullable: true, description: 'Set while the sub-user is suspended' })
  suspension!: SuspensionDto | null;

  @ApiProperty({
    nullable: true,
    type: 'integer',
    example: 100,
    description: 'Webshare only; null elsewhere',
  })
  maxConcurrency!: number | null;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { US: 10, ZZ: 5 },
    description: 'Country code (ZZ = any) → number of proxies (Webshare only); null elsewhere',
  })
  countries!: Record<string, number> | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'ProxyHat sub-user group; null elsewhere',
  })
  groupId!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description:
      'The proxy login where the sub-user object holds it (ProxyHat, IPRoyal); Webshare: null, read it from /credentials',
  })
  proxyUsername!: string | null;

  @ApiProperty({
    type: SubUserStatsDto,
    nullable: true,
    description: 'Normalized usage statistics where the provider gives them (Webshare); null elsewhere',
  })
  stats!: SubUserStatsDto | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { customerId: 'c-42' },
    description: 'Your own tags',
  })
  metadata!: Record<string, string>;

  @ApiProperty({
    type: Boolean,
    example: false,
    description: 'The provider’s default sub-user (cannot be deleted)',
  })
  isDefault!: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  updatedAt!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-11-22T10:00:00.000Z',
    description: 'When the provider last confirmed this data',
  })
  syncedAt!: string | null;
}

export class PlacementDecisionDto {
  @ApiProperty({ type: String, format: 'uuid', example: '724f2495-fbd3-4b21-9264-1ec244ab8428' })
  providerAccountId!: string;

  @ApiProperty({ type: String, example: 'least-used: 12 sub-users, the fewest of 2 eligible accounts' })
  reason!: string;
}

export class CreatedSubUserDto extends SubUserDto {
  @ApiPropertyOptional({
    type: String,
    example: 'S3cure-proxy-pass',
    description: 'The proxy password, in this response only (ProxyHat, IPRoyal)',
  })
  proxyPassword?: string;

  @ApiPropertyOptional({
    type: PlacementDecisionDto,
    description: 'Where the gateway placed the sub-user, and why (creates that asked for placement)',
  })
  placement?: PlacementDecisionDto;
}

export class SubUserPageDto {
  @ApiProperty({ type: [SubUserDto] })
  items!: SubUserDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class PasswordDto {
  @ApiProperty({ type: String, example: 'Zx8-new-pass-4f2a', description: 'Shown once' })
  password!: string;
}

export class ProxyPortsDto {
  @ApiProperty({ type: 'integer', example: 8080 })
  http!: number;

  @ApiPropertyOptional({
    type: 'integer',
    example: 1080,
    description: 'Where the provider offers SOCKS5 (Webshare)',
  })
  socks5?: number;
}

export class CredentialsDto {
  @ApiProperty({ type: String, example: 'user_a81gomgsmd' })
  username!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'S3cure-proxy-pass',
    description: 'null where the provider does not reveal it',
  })
  password!: string | null;

  @ApiProperty({ type: String, example: 'gate.proxyhat.com' })
  host!: string;

  @ApiProperty({ type: ProxyPortsDto })
  ports!: ProxyPortsDto;

  @ApiProperty({
    type: [String],
    example: ['http://user_a81gomgsmd:S3cure-proxy-pass@gate.proxyhat.com:8080'],
    description: 'Ready to use; they hold the password',
  })
  proxyUrls!: string[];
}

export class BulkDeleteAcceptedDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    example: 'bc541cab-e814-4c4b-add4-44cbf5150808',
    description: 'The job’s id: GET /v1/jobs/{id}',
  })
  id!: string;

  @ApiProperty({ type: String, enum: ['sub-users.bulk-delete'], example: 'sub-users.bulk-delete' })
  type!: string;

  @ApiProperty({ type: String, enum: ['queued'], example: 'queued' })
  status!: string;
}
