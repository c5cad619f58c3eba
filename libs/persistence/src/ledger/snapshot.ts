import type { ProviderSubUser } from '@app/domain';
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
  return sameJson(stored, fresh);
}

/**
 * Deep equality of two JSON values with key order ignored: what comparing their canonical JSON
 * texts says, without building two sorted copies and two strings (every fresh read and every
 * listed sub-user of a sync compares one). Both sides are plain JSON (read from jsonb, or
 * toSnapshot's output): no undefined members, no Dates.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(right, key) || !sameJson(left[key], right[key])) return false;
  }
  return true;
}
