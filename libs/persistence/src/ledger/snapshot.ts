import { type ProviderSubUser, canonicalJson } from '@app/domain';
import { storable } from './storable';

/**
 * The stored snapshot is an allow-list of the normalized fields: whatever a driver adds later
 * (a revealed password above all), only these reach the database. Provider text is made storable.
 */
export function toSnapshot(subUser: ProviderSubUser): ProviderSubUser {
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
  return storable(JSON.parse(JSON.stringify(snapshot)) as ProviderSubUser);
}

/** Whether a fresh report changes nothing stored (jsonb keeps no key order: canonical forms). */
export function sameSnapshot(stored: unknown, fresh: ProviderSubUser): boolean {
  return canonicalJson(stored) === canonicalJson(fresh);
}
