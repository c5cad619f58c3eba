import { randomUUID } from 'node:crypto';
import type { ProviderName } from '@app/domain';
import {
  type DriverOptionsInput,
  type ProviderAccountConfig,
  type ProviderDriver,
  ProviderRegistry,
  type ProviderRegistryOptions,
} from '@app/providers';
import type { RunningSandbox } from '@app/sandbox';

/** Fast resilience settings so fault tests take milliseconds, not the production seconds. */
export const FAST_DRIVER_OPTIONS: DriverOptionsInput = {
  timeoutMs: 2_000,
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, retryAfterCapMs: 3_000, maxTotalWaitMs: 5_000 },
  circuit: { threshold: 3, halfOpenAfterMs: 60_000 },
  rateLimit: { enabled: false },
};

export const SANDBOX_KEYS: Record<ProviderName, string> = {
  webshare: 'ws-sandbox-key',
  proxyhat: 'ph-sandbox-key',
  iproyal: 'iproyal-sandbox-key',
};

export function accountFor(
  sandbox: RunningSandbox,
  provider: ProviderName,
  overrides: Partial<ProviderAccountConfig> = {},
): ProviderAccountConfig {
  return {
    id: `acc-${provider}-${randomUUID()}`,
    provider,
    baseUrl: provider === 'webshare' ? sandbox.webshareBaseUrl : sandbox.proxyhatBaseUrl,
    apiKey: SANDBOX_KEYS[provider],
    planId: null,
    ...overrides,
  };
}

/** Registries made by a test, closed after it so no socket or timer outlives the test. */
export class RegistryPool {
  private readonly registries: ProviderRegistry[] = [];

  create(options: ProviderRegistryOptions = {}): ProviderRegistry {
    const registry = new ProviderRegistry({
      ...options,
      driverOptions: mergeOptions(FAST_DRIVER_OPTIONS, options.driverOptions),
    });
    this.registries.push(registry);
    return registry;
  }

  driver(
    sandbox: RunningSandbox,
    provider: ProviderName,
    options: { driverOptions?: DriverOptionsInput; account?: Partial<ProviderAccountConfig> } = {},
  ): ProviderDriver {
    return this.create({ driverOptions: options.driverOptions }).driverFor(
      accountFor(sandbox, provider, options.account),
    );
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.registries.splice(0).map((registry) => registry.close()));
  }
}

function mergeOptions(base: DriverOptionsInput, extra: DriverOptionsInput | undefined): DriverOptionsInput {
  if (!extra) return base;
  return {
    ...base,
    ...extra,
    retry: { ...base.retry, ...extra.retry },
    circuit: { ...base.circuit, ...extra.circuit },
    rateLimit: { ...base.rateLimit, ...extra.rateLimit },
  };
}

/** Awaits a promise expected to reject and returns the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
