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
}

/** Normalized field → how a provider holds it (mirrors the field table of the design). */
export type FieldSupportTable = Record<SubUserInputField, FieldSupport>;

export interface ProviderDescription {
  capabilities: ProviderCapabilities;
  fields: FieldSupportTable;
}

export function isFieldSupported(table: FieldSupportTable, field: SubUserInputField): boolean {
  return table[field].support !== 'unsupported';
}
