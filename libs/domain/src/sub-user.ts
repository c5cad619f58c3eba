/** Providers the gateway can drive. Adding one means a new driver folder and a registry line. */
export type ProviderName = 'webshare' | 'proxyhat' | 'iproyal';

export const PROVIDER_NAMES: readonly ProviderName[] = ['webshare', 'proxyhat', 'iproyal'];

export type SubUserStatus = 'active' | 'provisioning' | 'suspended' | 'deleting' | 'deleted' | 'unknown';

export const SUB_USER_STATUSES: readonly SubUserStatus[] = [
  'active',
  'provisioning',
  'suspended',
  'deleting',
  'deleted',
  'unknown',
];

/** Traffic in bytes. `limitBytes: null` means unlimited; `usedBytes: null` means the provider does not say. */
export interface SubUserTraffic {
  limitBytes: number | null;
  usedBytes: number | null;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface SubUserErrorReason {
  reason: string;
  type: string | null;
  howToFix: string | null;
  httpStatus: number | null;
  count: number;
}

/** Usage statistics, normalized; every field is null when the provider does not report it. */
export interface SubUserStats {
  bandwidthTotalBytes: number | null;
  bandwidthProjectedBytes: number | null;
  bandwidthAverageBytes: number | null;
  requestsTotal: number | null;
  requestsSuccessful: number | null;
  requestsFailed: number | null;
  errorReasons: SubUserErrorReason[];
  countriesUsed: Record<string, number>;
  numberOfProxiesUsed: number | null;
  protocolsUsed: Record<string, number>;
  averageConcurrency: number | null;
  averageRps: number | null;
  lastRequestAt: string | null;
}

/**
 * A sub-user as a driver reports it: what the provider holds, normalized.
 * Gateway-only fields (gateway id, tenant, metadata, syncedAt) are added by the API layer.
 */
export interface ProviderSubUser {
  provider: ProviderName;
  providerSubUserId: string;
  name: string | null;
  notes: string | null;
  status: SubUserStatus;
  /** The provider's raw status value, kept so unknown values are visible rather than lost. */
  providerStatus: string | null;
  traffic: SubUserTraffic;
  maxConcurrency: number | null;
  /** ISO country code (or `ZZ`, any country) → number of proxies. */
  countries: Record<string, number> | null;
  groupId: string | null;
  proxyUsername: string | null;
  stats: SubUserStats | null;
  /** The provider's default sub-user (ProxyHat): not deletable. */
  isDefault?: boolean;
  /**
   * The proxy password, when the provider's answer carried it (ProxyHat payloads, every IPRoyal
   * answer). Transient: the gateway may compare it (to recognise a create whose answer was lost)
   * but never stores, logs or returns it; snapshots are an allow-list that leaves it out.
   */
  revealedPassword?: string;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Fields a caller may set on create. Absent = provider default. */
export interface CreateSubUserInput {
  name?: string;
  notes?: string;
  /** Bytes; `null` = unlimited. `0` is refused (suspend instead). */
  trafficLimitBytes?: number | null;
  maxConcurrency?: number;
  countries?: Record<string, number> | null;
  groupId?: string | null;
  /** The proxy login, where the provider lets the caller choose it (IPRoyal). */
  proxyUsername?: string;
  proxyPassword?: string;
}

/** PATCH semantics: absent = unchanged, `null` clears (unlimited traffic, no group, no notes). */
export interface UpdateSubUserInput {
  name?: string;
  notes?: string | null;
  trafficLimitBytes?: number | null;
  maxConcurrency?: number;
  countries?: Record<string, number> | null;
  groupId?: string | null;
  proxyUsername?: string;
  proxyPassword?: string;
}

/** The normalized input fields, as used in field errors and capability tables. */
export type SubUserInputField = keyof CreateSubUserInput;

export const SUB_USER_INPUT_FIELDS: readonly SubUserInputField[] = [
  'name',
  'notes',
  'trafficLimitBytes',
  'maxConcurrency',
  'countries',
  'groupId',
  'proxyUsername',
  'proxyPassword',
];

/**
 * The public API's name for each input field: what a caller sends and what field errors name
 * (the API takes `trafficLimit` as bytes or a string such as "5GB"; drivers take bytes).
 */
export const SUB_USER_API_FIELD_NAMES: Readonly<Record<SubUserInputField, string>> = {
  name: 'name',
  notes: 'notes',
  trafficLimitBytes: 'trafficLimit',
  maxConcurrency: 'maxConcurrency',
  countries: 'countries',
  groupId: 'groupId',
  proxyUsername: 'proxyUsername',
  proxyPassword: 'proxyPassword',
};
