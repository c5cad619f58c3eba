// What the sub-user routes answer.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES, SUB_USER_STATUSES } from '@app/domain';

class TrafficDto {
  @ApiProperty({ nullable: true, type: Number, example: 5368709120, description: 'null = unlimited' })
  limitBytes!: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 1073741824 })
  usedBytes!: number | null;

  @ApiProperty({ nullable: true, type: String, example: '2026-11-01T00:00:00.000Z' })
  periodStart!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '2026-12-01T00:00:00.000Z' })
  periodEnd!: string | null;

  @ApiProperty({
    type: Number,
    example: 3221225472,
    description:
      'Everything used since the gateway has known the sub-user, in bytes: it keeps growing when the provider resets its counter',
  })
  lifetimeUsedBytes!: number;
}

class SuspensionDto {
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' })
  since!: string;

  @ApiProperty({
    enum: ['native', 'emulated'],
    example: 'emulated',
    description: 'emulated: the provider-side limit was lowered to what was already used',
  })
  mode!: 'native' | 'emulated';

  @ApiProperty({
    nullable: true,
    type: Number,
    example: 5368709120,
    description: 'Restored on resume; null = unlimited',
  })
  resumeLimitBytes!: number | null;
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

  @ApiProperty({ type: SuspensionDto, nullable: true, description: 'Set while the sub-user is suspended' })
  suspension!: SuspensionDto | null;

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

export class PlacementDecisionDto {
  @ApiProperty({ format: 'uuid' })
  providerAccountId!: string;

  @ApiProperty({ example: 'least-used: 12 sub-users, the fewest of 2 eligible accounts' })
  reason!: string;
}

export class CreatedSubUserDto extends SubUserDto {
  @ApiPropertyOptional({
    example: 'Zx8-generated-pass',
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
