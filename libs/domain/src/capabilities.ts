import type { SubUserInputField } from './sub-user';

/** What a provider can do, published by `GET /v1/providers`. Data only: each driver folder holds its own. */
export interface ProviderCapabilities {
  /** `gateway`: the provider has no notes field, the gateway keeps them. */
  notes: 'native' | 'gateway';
  /** `emulated`: the gateway fans out single deletes with bounded concurrency. */
  bulkDelete: 'native' | 'emulated';
  refreshProxyList: boolean;
  /** `masquerade`: credentials come from acting as the sub-user; `native`: from the sub-user object. */
  credentials: 'native' | 'masquerade';
  resetUsage: boolean;
  setPassword: boolean;
  groups: boolean;
  maxConcurrency: boolean;
  countries: boolean;
  trafficLimit: boolean;
  /**
   * What `traffic.limitBytes` is: `limit`, a cap on usage; `allocation`, prepaid traffic moved out
   * of the account's balance into the sub-user (reported as available + used; raising it can fail
   * for lack of balance, deleting the sub-user returns what is left).
   */
  trafficModel: 'limit' | 'allocation';
  /** Whether `trafficLimitBytes: null` (unlimited) is possible. */
  unlimitedTraffic: boolean;
  /** The account has a prepaid traffic balance the gateway can read (`getBalance`). */
  balance: boolean;
  /**
   * `native`: the provider has a switch; `emulated`: the gateway lowers the provider-side
   * limit or allocation to what is already used and restores it on resume; `unsupported`: neither.
   */
  suspend: 'native' | 'emulated' | 'unsupported';
  /** Deletion finishes later: delete answers `deleting`. */
  asyncDelete: boolean;
  pagination: 'pages' | 'none';
  /** The provider's published request limit per account. */
  rateLimitPerMinute: number;
}

export type FieldSupportLevel = 'native' | 'gateway' | 'unsupported';

export interface FieldSupport {
  support: FieldSupportLevel;
  /** For documentation: the provider's own field, or what the gateway does instead. */
  description: string;
  /**
   * Where the provider accepts less than the API's own rule for the field: a pattern every value
   * must match whole, and the rule in words. Checked before anything is sent (422).
   */
  format?: FieldFormat;
}

export interface FieldFormat {
  pattern: string;
  rule: string;
}

/** Normalized field → how a provider holds it (mirrors the field table of the design). */
export type FieldSupportTable = Record<SubUserInputField, FieldSupport>;

export interface ProviderDescription {
  /** How people write the provider's name, e.g. `ProxyHat`. */
  displayName: string;
  /** The provider's official API base URL: a new account's default. */
  defaultBaseUrl: string;
  capabilities: ProviderCapabilities;
  fields: FieldSupportTable;
}

export function isFieldSupported(table: FieldSupportTable, field: SubUserInputField): boolean {
  return table[field].support !== 'unsupported';
}
