import { CallCounter } from './call-counter';
import { applyConfigPatch, ConfigError, ConfigPatch, Provider, PROVIDERS, RuntimeConfig } from './config';
import { SandboxControlError } from './control-errors';
import { ActiveFault, FaultRegistry, FaultSpec, FaultSpecError } from './faults';
import { IPROYAL_PREFIX } from './iproyal/routes';
import { IproyalStore } from './iproyal/store';
import { IproyalStateEntry } from './iproyal/types';
import { PROXYHAT_PREFIX } from './proxyhat/routes';
import { ProxyhatStore } from './proxyhat/store';
import { ProxyhatSubUser } from './proxyhat/types';
import { RateLimiter } from './rate-limiter';
import { bytesToGigabytes, gigabytesToBytes } from './traffic-units';
import {
  addTraffic,
  PeriodResetResult,
  PeriodResetSpec,
  resetPeriod,
  TrafficResult,
  TrafficSpec,
} from './usage';
import { WEBSHARE_PREFIX } from './webshare/routes';
import { WebshareStateEntry, WebshareStore } from './webshare/store';

export { SandboxControlError, SandboxNotFoundError } from './control-errors';

export interface ResetOptions {
  seedWebshare?: number;
  seedProxyhat?: number;
  seedIproyal?: number;
}

export interface SeedSpec {
  provider: Provider;
  /** Account key; default: the provider's first key. */
  key?: string;
  count: number;
  /** Webshare label / ProxyHat name prefix; for IPRoyal the username prefix. */
  labelPrefix?: string;
  /** Webshare only: the plan to seed (default plan when absent). */
  planId?: number;
}

export interface ConfigView extends RuntimeConfig {
  webshareKeys: string[];
  proxyhatKeys: string[];
  iproyalKeys: string[];
  /** The balance every IPRoyal key starts with after a reset. */
  iproyalBalanceGb: number;
}

/** One simulated provider account, as the gateway registers it (demo mode). */
export interface SandboxAccount {
  provider: Provider;
  /** `<provider>-sandbox` */
  name: string;
  baseUrl: string;
  /** The provider's first key. */
  apiKey: string;
}

export interface IproyalBalanceView {
  key: string;
  /** GB, as IPRoyal's `GET /me` shows it. */
  available_traffic: number;
  available_bytes: number;
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
  state(provider: 'iproyal', key?: string): IproyalStateEntry[];
  state(provider: 'webshare' | 'proxyhat', key?: string): WebshareStateEntry[] | ProxyhatSubUser[];
  state(provider: Provider, key?: string): WebshareStateEntry[] | ProxyhatSubUser[] | IproyalStateEntry[];
  /**
   * One account per provider with its first key and base URL under `origin` (default: the
   * sandbox's own URL), so a gateway can register them knowing only the sandbox's URL.
   */
  accounts(origin?: string): SandboxAccount[];
  /** Simulated proxy use of one sub-user (usage tests). */
  addTraffic(spec: TrafficSpec): TrafficResult;
  /** Ends a Webshare sub-user's bandwidth period; other providers have none (error). */
  resetPeriod(spec: PeriodResetSpec): PeriodResetResult;
  iproyalBalance(key?: string): IproyalBalanceView;
  /** Sets one IPRoyal key's balance until the next reset. */
  setIproyalBalance(spec: { key?: string; gb: number }): IproyalBalanceView;
}

const MAX_SEED = 1_000_000;
const SEED_FIELDS = { webshare: 'seedWebshare', proxyhat: 'seedProxyhat', iproyal: 'seedIproyal' } as const;
const PREFIXES: Record<Provider, string> = {
  webshare: WEBSHARE_PREFIX,
  proxyhat: PROXYHAT_PREFIX,
  iproyal: IPROYAL_PREFIX,
};

export interface ControlDependencies {
  config: RuntimeConfig;
  webshareKeys: string[];
  proxyhatKeys: string[];
  iproyalKeys: string[];
  iproyalBalanceGb: number;
  webshare: WebshareStore;
  proxyhat: ProxyhatStore;
  iproyal: IproyalStore;
  faults: FaultRegistry;
  calls: CallCounter;
  rateLimiters: Record<Provider, RateLimiter>;
  /** The sandbox's URL once it listens (`http://127.0.0.1:4010`). */
  origin: () => string;
}

export function createControl(deps: ControlDependencies): SandboxControl {
  const keys: Record<Provider, string[]> = {
    webshare: deps.webshareKeys,
    proxyhat: deps.proxyhatKeys,
    iproyal: deps.iproyalKeys,
  };
  const stores = { keys, webshare: deps.webshare, proxyhat: deps.proxyhat, iproyal: deps.iproyal };

  const keyOf = (provider: Provider, key: string | undefined): string => {
    const chosen = key ?? keys[provider][0];
    if (!keys[provider].includes(chosen))
      throw new SandboxControlError(`unknown ${provider} key '${chosen}'`);
    return chosen;
  };

  const seed = (spec: SeedSpec): { created: number } => {
    if (spec === null || typeof spec !== 'object')
      throw new SandboxControlError('seed spec must be an object');
    const { provider, count, labelPrefix, planId } = spec;
    if (!PROVIDERS.includes(provider)) {
      throw new SandboxControlError(`provider must be one of ${PROVIDERS.join(', ')}`);
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
    const key = keyOf(provider, spec.key);
    switch (provider) {
      case 'webshare':
        return { created: deps.webshare.seed(key, count, labelPrefix, planId ?? null) };
      case 'proxyhat':
        return { created: deps.proxyhat.seed(key, count, labelPrefix) };
      case 'iproyal':
        return { created: deps.iproyal.seed(key, count, labelPrefix) };
    }
  };

  const view = (): ConfigView => ({
    ...structuredClone(deps.config),
    webshareKeys: [...deps.webshareKeys],
    proxyhatKeys: [...deps.proxyhatKeys],
    iproyalKeys: [...deps.iproyalKeys],
    iproyalBalanceGb: deps.iproyalBalanceGb,
  });

  const balanceView = (key: string): IproyalBalanceView => {
    const bytes = deps.iproyal.balanceBytes(key);
    return { key, available_traffic: bytesToGigabytes(bytes), available_bytes: bytes };
  };

  return {
    reset(options: ResetOptions = {}) {
      if (options === null || typeof options !== 'object') {
        throw new SandboxControlError('reset options must be an object');
      }
      for (const field of Object.values(SEED_FIELDS)) {
        const value = options[field];
        if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_SEED)) {
          throw new SandboxControlError(`${field} must be a non-negative integer`);
        }
      }
      deps.webshare.reset();
      deps.proxyhat.reset();
      deps.iproyal.reset();
      deps.faults.clear();
      deps.calls.reset();
      for (const provider of PROVIDERS) deps.rateLimiters[provider].reset();
      for (const key of deps.webshareKeys) deps.webshare.seed(key, options.seedWebshare ?? 0);
      for (const key of deps.proxyhatKeys) deps.proxyhat.seed(key, options.seedProxyhat ?? 0);
      for (const key of deps.iproyalKeys) deps.iproyal.seed(key, options.seedIproyal ?? 0);
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
      if (provider === 'iproyal') return deps.iproyal.state(key);
      throw new SandboxControlError(`provider must be one of ${PROVIDERS.join(', ')}`);
    }) as SandboxControl['state'],
    accounts: (origin = deps.origin()) =>
      PROVIDERS.map((provider) => ({
        provider,
        name: `${provider}-sandbox`,
        baseUrl: `${origin.replace(/\/+$/, '')}${PREFIXES[provider]}`,
        apiKey: keys[provider][0],
      })),
    addTraffic: (spec: TrafficSpec) => addTraffic(stores, spec),
    resetPeriod: (spec: PeriodResetSpec) => resetPeriod(stores, spec),
    iproyalBalance: (key?: string) => balanceView(keyOf('iproyal', key)),
    setIproyalBalance(spec: { key?: string; gb: number }) {
      if (spec === null || typeof spec !== 'object') throw new SandboxControlError('body must be an object');
      const { gb } = spec;
      if (typeof gb !== 'number' || !Number.isFinite(gb) || gb < 0) {
        throw new SandboxControlError('gb must be a non-negative number');
      }
      const key = keyOf('iproyal', spec.key);
      deps.iproyal.setBalanceBytes(key, gigabytesToBytes(gb));
      return balanceView(key);
    },
  };
}
