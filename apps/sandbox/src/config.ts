/** Options accepted by startSandbox(); every field is optional. */
export interface SandboxOptions {
  /** Port to listen on; 0 picks a random free port. */
  port?: number;
  host?: string;
  webshareKeys?: string[];
  proxyhatKeys?: string[];
  iproyalKeys?: string[];
  /** Prepaid traffic (GB) each IPRoyal account key holds after a reset. */
  iproyalBalanceGb?: number;
  /** Provider rate limits (Webshare 240/min, ProxyHat 60/min, IPRoyal 120/min per account key). */
  rateLimits?: boolean;
  latencyMs?: number;
  jitterMs?: number;
  /** How long a deleted ProxyHat sub-user stays in lifecycle 'Deleting' before it disappears. */
  asyncDeleteMs?: number;
  /** Sub-users pre-created per Webshare key. */
  seedWebshare?: number;
  /** Sub-users pre-created per ProxyHat key (besides the account's default sub-user). */
  seedProxyhat?: number;
  /** Sub-users pre-created per IPRoyal key. */
  seedIproyal?: number;
  logger?: boolean;
}

export type Provider = 'webshare' | 'proxyhat' | 'iproyal';
export const PROVIDERS: readonly Provider[] = ['webshare', 'proxyhat', 'iproyal'];

export interface ProviderRateLimit {
  enabled: boolean;
  perMinute: number;
}

/** The part of the configuration that can change while the sandbox runs. */
export interface RuntimeConfig {
  rateLimits: Record<Provider, ProviderRateLimit>;
  latencyMs: number;
  jitterMs: number;
  asyncDeleteMs: number;
}

export interface ConfigPatch {
  rateLimits?: boolean | Partial<Record<Provider, Partial<ProviderRateLimit>>>;
  latencyMs?: number;
  jitterMs?: number;
  asyncDeleteMs?: number;
}

export const DEFAULT_WEBSHARE_KEY = 'ws-sandbox-key';
export const DEFAULT_PROXYHAT_KEY = 'ph-sandbox-key';
export const DEFAULT_IPROYAL_KEY = 'iproyal-sandbox-key';
export const DEFAULT_IPROYAL_BALANCE_GB = 1000;
export const DEFAULT_SANDBOX_PORT = 4010;
/** The providers' published limits; IPRoyal publishes none, so the sandbox assumes 120/min. */
export const DEFAULT_PER_MINUTE: Record<Provider, number> = { webshare: 240, proxyhat: 60, iproyal: 120 };
/** Retry-After used by a 'rate-limit' fault when the fault names none. */
export const DEFAULT_RETRY_AFTER_SECONDS: Record<Provider, number> = {
  webshare: 60,
  proxyhat: 30,
  iproyal: 60,
};
export const DEFAULT_ASYNC_DELETE_MS = 2000;

export function initialRuntimeConfig(options: SandboxOptions): RuntimeConfig {
  const enabled = options.rateLimits ?? true;
  return {
    rateLimits: {
      webshare: { enabled, perMinute: DEFAULT_PER_MINUTE.webshare },
      proxyhat: { enabled, perMinute: DEFAULT_PER_MINUTE.proxyhat },
      iproyal: { enabled, perMinute: DEFAULT_PER_MINUTE.iproyal },
    },
    latencyMs: nonNegative(options.latencyMs, 0),
    jitterMs: nonNegative(options.jitterMs, 0),
    asyncDeleteMs: nonNegative(options.asyncDeleteMs, DEFAULT_ASYNC_DELETE_MS),
  };
}

/** Applies a patch in place; throws ConfigError on values that make no sense. */
export function applyConfigPatch(config: RuntimeConfig, patch: ConfigPatch): RuntimeConfig {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new ConfigError('config patch must be an object');
  }
  const { rateLimits } = patch;
  if (typeof rateLimits === 'boolean') {
    for (const provider of PROVIDERS) config.rateLimits[provider].enabled = rateLimits;
  } else if (rateLimits !== undefined) {
    if (rateLimits === null || typeof rateLimits !== 'object') {
      throw new ConfigError('rateLimits must be a boolean or an object');
    }
    for (const provider of PROVIDERS) {
      const change = rateLimits[provider];
      if (change === undefined) continue;
      if (change.enabled !== undefined) {
        if (typeof change.enabled !== 'boolean') throw new ConfigError(`rateLimits.${provider}.enabled`);
        config.rateLimits[provider].enabled = change.enabled;
      }
      if (change.perMinute !== undefined) {
        if (!isPositiveInteger(change.perMinute)) throw new ConfigError(`rateLimits.${provider}.perMinute`);
        config.rateLimits[provider].perMinute = change.perMinute;
      }
    }
  }
  for (const field of ['latencyMs', 'jitterMs', 'asyncDeleteMs'] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ConfigError(field);
    config[field] = value;
  }
  return config;
}

export class ConfigError extends Error {}

/**
 * Reads SANDBOX_* variables and the CLI flags `--seed-webshare N --seed-proxyhat N
 * --seed-iproyal N` (also `--seed-webshare=N`).
 */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv, argv: string[] = []): SandboxOptions {
  const options: SandboxOptions = {
    port: integerOr(env.SANDBOX_PORT, DEFAULT_SANDBOX_PORT),
    host: env.SANDBOX_HOST || '127.0.0.1',
    webshareKeys: keyList(env.SANDBOX_WEBSHARE_KEYS, DEFAULT_WEBSHARE_KEY),
    proxyhatKeys: keyList(env.SANDBOX_PROXYHAT_KEYS, DEFAULT_PROXYHAT_KEY),
    iproyalKeys: keyList(env.SANDBOX_IPROYAL_KEYS, DEFAULT_IPROYAL_KEY),
    iproyalBalanceGb: gigabytesOr(env.SANDBOX_IPROYAL_BALANCE_GB, DEFAULT_IPROYAL_BALANCE_GB),
    rateLimits: !['off', 'false', '0', 'no'].includes((env.SANDBOX_RATE_LIMITS ?? '').trim().toLowerCase()),
    latencyMs: integerOr(env.SANDBOX_LATENCY_MS, 0),
    jitterMs: integerOr(env.SANDBOX_JITTER_MS, 0),
    asyncDeleteMs: integerOr(env.SANDBOX_ASYNC_DELETE_MS, DEFAULT_ASYNC_DELETE_MS),
    logger: ['1', 'true', 'on'].includes((env.SANDBOX_LOGGER ?? '').trim().toLowerCase()),
  };
  const seedWebshare = flagValue(argv, '--seed-webshare');
  const seedProxyhat = flagValue(argv, '--seed-proxyhat');
  const seedIproyal = flagValue(argv, '--seed-iproyal');
  if (seedWebshare !== undefined) options.seedWebshare = integerOr(seedWebshare, 0);
  if (seedProxyhat !== undefined) options.seedProxyhat = integerOr(seedProxyhat, 0);
  if (seedIproyal !== undefined) options.seedIproyal = integerOr(seedIproyal, 0);
  return options;
}

function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

function keyList(raw: string | undefined, fallback: string): string[] {
  const keys = (raw ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  return keys.length > 0 ? keys : [fallback];
}

function integerOr(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** A non-negative decimal amount of GB (`1000`, `12.5`); anything else falls back. */
function gigabytesOr(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Every variable the sandbox reads (checked against .env.example and docker-compose by a test). */
export const SANDBOX_VARIABLES = [
  'SANDBOX_PORT',
  'SANDBOX_HOST',
  'SANDBOX_WEBSHARE_KEYS',
  'SANDBOX_PROXYHAT_KEYS',
  'SANDBOX_IPROYAL_KEYS',
  'SANDBOX_IPROYAL_BALANCE_GB',
  'SANDBOX_RATE_LIMITS',
  'SANDBOX_LATENCY_MS',
  'SANDBOX_JITTER_MS',
  'SANDBOX_ASYNC_DELETE_MS',
  'SANDBOX_LOGGER',
] as const;
