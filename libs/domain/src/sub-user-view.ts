import type { ProviderSubUser, SubUserStats } from './sub-user';

/**
 * A sub-user as the API shows it: what the provider last reported (the stored snapshot) plus
 * what the gateway keeps itself (tenant, metadata, notes or name the provider has no field for).
 * One definition for the API's answers and the events' `data`, so the two never disagree.
 */
export interface SubUserView {
  id: string;
  provider: string;
  providerAccountId: string;
  providerSubUserId: string | null;
  tenantId: string;
  name: string | null;
  notes: string | null;
  status: string;
  providerStatus: string | null;
  traffic: {
    limitBytes: number | null;
    usedBytes: number | null;
    periodStart: string | null;
    periodEnd: string | null;
    /** The gateway's own count of everything used since it has known the sub-user, across resets. */
    lifetimeUsedBytes: number;
  };
  /** Set while the sub-user is suspended: since when, how, and the limit it gets back on resume. */
  suspension: SubUserSuspension | null;
  maxConcurrency: number | null;
  countries: Record<string, number> | null;
  groupId: string | null;
  proxyUsername: string | null;
  stats: SubUserStats | null;
  metadata: Record<string, string>;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
  syncedAt: string | null;
}

export interface SubUserSuspension {
  since: string;
  /** `emulated`: the provider-side limit was lowered to what was already used. */
  mode: 'native' | 'emulated';
  /** The limit restored on resume (null = unlimited). */
  resumeLimitBytes: number | null;
}

/** The stored record a view is made from (the ledger's mapping row has these fields). */
export interface StoredSubUser {
  id: string;
  tenantId: string;
  providerAccountId: string;
  provider: string;
  providerSubUserId: string | null;
  status: string;
  name: string | null;
  gatewayNotes: string | null;
  metadata: unknown;
  snapshot: unknown;
  lifetimeUsedBytes: bigint | number;
  suspension: unknown;
  createdAt: Date;
  updatedAt: Date;
  syncedAt: Date | null;
}

/** The provider's last report, or null before the provider answered (an open create intent). */
export function storedSnapshot(record: Pick<StoredSubUser, 'snapshot'>): ProviderSubUser | null {
  return (record.snapshot as ProviderSubUser | null) ?? null;
}

export function toSubUserView(record: StoredSubUser): SubUserView {
  const snapshot = storedSnapshot(record);
  return {
    id: record.id,
    provider: record.provider,
    providerAccountId: record.providerAccountId,
    providerSubUserId: record.providerSubUserId,
    tenantId: record.tenantId,
    // A name the provider has no field for is kept by the gateway (`name` column).
    name: snapshot?.name ?? record.name,
    // Gateway notes exist only where the provider has no notes field.
    notes: record.gatewayNotes ?? snapshot?.notes ?? null,
    status: record.status,
    providerStatus: snapshot?.providerStatus ?? null,
    traffic: {
      limitBytes: snapshot?.traffic.limitBytes ?? null,
      usedBytes: snapshot?.traffic.usedBytes ?? null,
      periodStart: snapshot?.traffic.periodStart ?? null,
      periodEnd: snapshot?.traffic.periodEnd ?? null,
      lifetimeUsedBytes: Number(record.lifetimeUsedBytes),
    },
    suspension: (record.suspension as SubUserSuspension | null) ?? null,
    maxConcurrency: snapshot?.maxConcurrency ?? null,
    countries: snapshot?.countries ?? null,
    groupId: snapshot?.groupId ?? null,
    proxyUsername: snapshot?.proxyUsername ?? null,
    stats: snapshot?.stats ?? null,
    metadata: (record.metadata as Record<string, string> | null) ?? {},
    isDefault: snapshot?.isDefault ?? false,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    syncedAt: record.syncedAt?.toISOString() ?? null,
  };
}
