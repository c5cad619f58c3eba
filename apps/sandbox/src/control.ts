import { CallCounter } from './call-counter';
import { applyConfigPatch, ConfigError, ConfigPatch, Provider, RuntimeConfig } from './config';
import { ActiveFault, FaultRegistry, FaultSpec, FaultSpecError } from './faults';
import { ProxyhatStore } from './proxyhat/store';
import { ProxyhatSubUser } from './proxyhat/types';
import { RateLimiter } from './rate-limiter';
import { WebshareStateEntry, WebshareStore } from './webshare/store';

export interface ResetOptions {
  seedWebshare?: number;
  seedProxyhat?: number;
}

export interface SeedSpec {
  provider: Provider;
  /** Account key; default: the provider's first key. */
  key?: string;
  count: number;
  labelPrefix?: string;
  /** Webshare only: the plan to seed (default plan when absent). */
  planId?: number;
}

export interface ConfigView extends RuntimeConfig {
  webshareKeys: string[];
  proxyhatKeys: string[];
}

/** The admin operations, usable in-process (RunningSandbox.control) and over /__sandbox. */
export interface SandboxControl {
  reset(options?: ResetOptions): void;
  seed(spec: SeedSpec): { created: number };
  config(): ConfigView;
  configure(patch: ConfigPatch): ConfigView;
  addFault(spec: FaultSpec): string;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): ActiveFault[];
  calls(): Record<string, number>;
  resetCalls(): void;
  state(provider: 'webshare', key?: string): WebshareStateEntry[];
  state(provider: 'proxyhat', key?: string): ProxyhatSubUser[];
  state(provider: Provider, key?: string): WebshareStateEntry[] | ProxyhatSubUser[];
}

/** A bad admin request (unknown key, negative count, ...): the admin API answers 400. */
export class SandboxControlError extends Error {}

const MAX_SEED = 1_000_000;

export interface ControlDependencies {
  config: RuntimeConfig;
  webshareKeys: string[];
  proxyhatKeys: string[];
  webshare: WebshareStore;
  proxyhat: ProxyhatStore;
  faults: FaultRegistry;
  calls: CallCounter;
  rateLimiters: Record<Provider, RateLimiter>;
}

export function createControl(deps: ControlDependencies): SandboxControl {
  const seed = (spec: SeedSpec): { created: number } => {
    if (spec === null || typeof spec !== 'object')
      throw new SandboxControlError('seed spec must be an object');
    const { provider, count, labelPrefix, planId } = spec;
    if (provider !== 'webshare' && provider !== 'proxyhat') {
      throw new SandboxControlError("provider must be 'webshare' or 'proxyhat'");
    }
    if (!Number.isInteger(count) || count < 0 || count > MAX_SEED) {
      throw new SandboxControlError(`count must be an integer between 0 and ${MAX_SEED}`);
    }
    if (labelPrefix !== undefined && typeof labelPrefix !== 'string') {
      throw new SandboxControlError('labelPrefix must be a string');
    }
    if (planId !== undefined && planId !== null && !Number.isSafeInteger(planId)) {
      throw new SandboxControlError('planId must be an integer');
    }
    const keys = provider === 'webshare' ? deps.webshareKeys : deps.proxyhatKeys;
    const key = spec.key ?? keys[0];
    if (!keys.includes(key)) throw new SandboxControlError(`unknown ${provider} key '${key}'`);
    const created =
      provider === 'webshare'
        ? deps.webshare.seed(key, count, labelPrefix, planId ?? null)
        : deps.proxyhat.seed(key, count, labelPrefix);
    return { created };
  };

  const view = (): ConfigView => ({
    ...structuredClone(deps.config),
    webshareKeys: [...deps.webshareKeys],
    proxyhatKeys: [...deps.proxyhatKeys],
  });

  return {
    reset(options: ResetOptions = {}) {
      for (const field of ['seedWebshare', 'seedProxyhat'] as const) {
        const value = options[field];
        if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_SEED)) {
          throw new SandboxControlError(`${field} must be a non-negative integer`);
        }
      }
      deps.webshare.reset();
      deps.proxyhat.reset();
      deps.faults.clear();
      deps.calls.reset();
      deps.rateLimiters.webshare.reset();
      deps.rateLimiters.proxyhat.reset();
      for (const key of deps.webshareKeys) deps.webshare.seed(key, options.seedWebshare ?? 0);
      for (const key of deps.proxyhatKeys) deps.proxyhat.seed(key, options.seedProxyhat ?? 0);
    },
    seed,
    config: view,
    configure(patch: ConfigPatch) {
      try {
        applyConfigPatch(deps.config, patch);
      } catch (error) {
        if (error instanceof ConfigError) throw new SandboxControlError(`invalid config: ${error.message}`);
        throw error;
      }
      return view();
    },
    addFault(spec: FaultSpec) {
      try {
        return deps.faults.add(spec);
      } catch (error) {
        if (error instanceof FaultSpecError) throw new SandboxControlError(error.message);
        throw error;
      }
    },
    removeFault: (id: string) => deps.faults.remove(id),
    clearFaults: () => deps.faults.clear(),
    faults: () => deps.faults.list(),
    calls: () => deps.calls.snapshot(),
    resetCalls: () => deps.calls.reset(),
    state: ((provider: Provider, key?: string) => {
      if (provider === 'webshare') return deps.webshare.state(key);
      if (provider === 'proxyhat') return deps.proxyhat.state(key);
      throw new SandboxControlError("provider must be 'webshare' or 'proxyhat'");
    }) as SandboxControl['state'],
  };
}
