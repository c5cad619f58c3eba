import { type ProviderSubUser, canonicalJson } from '@app/domain';

/** The fields a person changes at the provider; usage counters are deliberately absent (not drift). */
const DRIFT_FIELDS = [
  'name',
  'notes',
  'trafficLimitBytes',
  'maxConcurrency',
  'countries',
  'groupId',
  'status',
] as const;
type DriftField = (typeof DRIFT_FIELDS)[number];

export interface Drift {
  before: Partial<Record<DriftField, unknown>>;
  after: Partial<Record<DriftField, unknown>>;
}

function driftView(subUser: ProviderSubUser | null): Record<DriftField, unknown> {
  return {
    name: subUser?.name ?? null,
    // A provider without notes reports null on both sides: gateway-kept notes never drift.
    notes: subUser?.notes ?? null,
    trafficLimitBytes: subUser?.traffic?.limitBytes ?? null,
    maxConcurrency: subUser?.maxConcurrency ?? null,
    countries: subUser?.countries ?? null,
    groupId: subUser?.groupId ?? null,
    status: subUser?.status ?? null,
  };
}

/** The provider-side changes between the stored snapshot and a fresh report, or null when none. */
export function driftOf(stored: ProviderSubUser | null, fresh: ProviderSubUser): Drift | null {
  const before = driftView(stored);
  const after = driftView(fresh);
  const drift: Drift = { before: {}, after: {} };
  for (const field of DRIFT_FIELDS) {
    if (canonicalJson(before[field]) === canonicalJson(after[field])) continue;
    drift.before[field] = before[field];
    drift.after[field] = after[field];
  }
  return Object.keys(drift.after).length > 0 ? drift : null;
}
