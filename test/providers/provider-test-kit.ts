import { randomUUID } from 'node:crypto';
import { type CreateSubUserInput, PROVIDER_NAMES, type ProviderName } from '@app/domain';
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

/** Every provider the gateway drives: the suites run once for each. */
export const ALL_PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;

export function baseUrlOf(sandbox: RunningSandbox, provider: ProviderName): string {
  const urls: Record<ProviderName, string> = {
    webshare: sandbox.webshareBaseUrl,
    proxyhat: sandbox.proxyhatBaseUrl,
    iproyal: sandbox.iproyalBaseUrl,
  };
  return urls[provider];
}

/** The path of each simulator under the sandbox's origin (for a base URL on another port). */
export const SANDBOX_PATHS: Record<ProviderName, string> = {
  webshare: '/webshare',
  proxyhat: '/proxyhat/v1',
  iproyal: '/iproyal/v1',
};

/** An id the provider accepts in a path but holds nothing under. */
export const MISSING_IDS: Record<ProviderName, string> = {
  webshare: '99999999',
  proxyhat: '00000000-0000-4000-8000-000000000000',
  iproyal: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
};

/**
 * Create input that names the sub-user where the provider can hold it: the name, or for IPRoyal
 * (which has only the username) a username made of the name's letters and digits.
 */
export function namedInput(provider: ProviderName, name: string): CreateSubUserInput {
  if (provider !== 'iproyal') return { name };
  return {
    name,
    proxyUsername: name
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 32)
      .padEnd(3, '0'),
  };
}

/** What the sandbox stores for a provider, reduced to (provider id, the name it holds). */
export function storedIdentities(
  sandbox: RunningSandbox,
  provider: ProviderName,
): Array<{ id: string; name: string | null }> {
  switch (provider) {
    case 'webshare':
      return sandbox.control.state('webshare').map((raw) => ({ id: String(raw.id), name: raw.label }));
    case 'proxyhat':
      return sandbox.control.state('proxyhat').map((raw) => ({ id: raw.uuid, name: raw.name }));
    case 'iproyal':
      return sandbox.control.state('iproyal').map((raw) => ({ id: raw.hash, name: raw.username }));
  }
}

export function accountFor(
  sandbox: RunningSandbox,
  provider: ProviderName,
  overrides: Partial<ProviderAccountConfig> = {},
): ProviderAccountConfig {
  return {
    id: `acc-${provider}-${randomUUID()}`,
    provider,
    baseUrl: baseUrlOf(sandbox, provider),
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

/** Polls `probe` every 20 ms until it returns true, for at most `ms`: waiting on state, not on time. */
export async function until(what: string, probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
