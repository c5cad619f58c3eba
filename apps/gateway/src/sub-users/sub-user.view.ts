import { ProviderCapabilities, ProviderSubUser } from '@app/domain';
import { Prisma, SubUserMapping } from '@app/persistence/generated/prisma/client';
import { canonicalJson } from '../idempotency/canonical-json';
import { SubUserDto } from './sub-user.dto';

/**
 * The stored snapshot is an allow-list of the normalized fields: whatever a driver adds later,
 * only these reach the database (never a proxy password).
 */
export function toSnapshot(subUser: ProviderSubUser): Prisma.InputJsonValue {
  const snapshot: ProviderSubUser = {
    provider: subUser.provider,
    providerSubUserId: subUser.providerSubUserId,
    name: subUser.name,
    notes: subUser.notes,
    status: subUser.status,
    providerStatus: subUser.providerStatus,
    traffic: { ...subUser.traffic },
    maxConcurrency: subUser.maxConcurrency,
    countries: subUser.countries,
    groupId: subUser.groupId,
    proxyUsername: subUser.proxyUsername,
    stats: subUser.stats,
    isDefault: subUser.isDefault ?? false,
    createdAt: subUser.createdAt,
    updatedAt: subUser.updatedAt,
  };
  return JSON.parse(JSON.stringify(snapshot)) as Prisma.InputJsonValue;
}

/** Fields compared to decide whether a provider's answer changed anything worth writing. */
export function sameSnapshot(stored: unknown, fresh: Prisma.InputJsonValue): boolean {
  // jsonb does not keep key order: compare canonical forms.
  return canonicalJson(stored) === canonicalJson(fresh);
}

export function snapshotOf(mapping: SubUserMapping): ProviderSubUser | null {
  return (mapping.snapshot as unknown as ProviderSubUser | null) ?? null;
}

export function etagOf(mapping: SubUserMapping): string {
  return `"v${mapping.version}"`;
}

export function toSubUserDto(mapping: SubUserMapping, capabilities: ProviderCapabilities): SubUserDto {
  const snapshot = snapshotOf(mapping);
  return {
    id: mapping.id,
    provider: mapping.provider,
    providerAccountId: mapping.providerAccountId,
    providerSubUserId: mapping.providerSubUserId,
    tenantId: mapping.tenantId,
    name: snapshot?.name ?? mapping.name,
    notes:
      capabilities.notes === 'gateway' ? mapping.gatewayNotes : (snapshot?.notes ?? mapping.gatewayNotes),
    status: mapping.status,
    providerStatus: snapshot?.providerStatus ?? null,
    traffic: {
      limitBytes: snapshot?.traffic.limitBytes ?? null,
      usedBytes: snapshot?.traffic.usedBytes ?? null,
      periodStart: snapshot?.traffic.periodStart ?? null,
      periodEnd: snapshot?.traffic.periodEnd ?? null,
    },
    maxConcurrency: snapshot?.maxConcurrency ?? null,
    countries: snapshot?.countries ?? null,
    groupId: snapshot?.groupId ?? null,
    proxyUsername: snapshot?.proxyUsername ?? null,
    stats: (snapshot?.stats as Record<string, unknown> | null) ?? null,
    metadata: (mapping.metadata as Record<string, string>) ?? {},
    isDefault: snapshot?.isDefault ?? false,
    createdAt: mapping.createdAt.toISOString(),
    updatedAt: mapping.updatedAt.toISOString(),
    syncedAt: mapping.syncedAt?.toISOString() ?? null,
  };
}
