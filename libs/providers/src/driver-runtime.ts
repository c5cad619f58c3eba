import type { ProviderDescription, ProviderName } from '@app/domain';
import type { ProviderDriver } from './provider-driver';
import type { UpstreamLimiter } from './resilience/rate-limiter';
import type { DriverOptions } from './resilience/resilience.types';

/** One provider account as the registry receives it (the key comes decrypted). */
export interface ProviderAccountConfig {
  id: string;
  provider: ProviderName;
  baseUrl: string;
  apiKey: string;
  planId?: string | null;
}

/** What the registry hands a driver: resolved options and the account's limiter. */
export interface DriverRuntime {
  options: DriverOptions;
  limiter: UpstreamLimiter;
}

/** A provider plugged into the registry. A new provider = a new folder exporting one of these. */
export interface ProviderDriverFactory {
  readonly provider: ProviderName;
  readonly description: ProviderDescription;
  create(account: ProviderAccountConfig, runtime: DriverRuntime): ProviderDriver;
}
