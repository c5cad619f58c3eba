import { PROVIDER_NAMES, type ProviderName } from '@app/domain';
import { DatabaseTarget, resolveDatabaseTarget } from '@app/persistence';
import { resolve } from 'node:path';
import { parseDuration, parseDurationList } from '../webhooks/durations';

/**
 * The gateway's configuration, read once from the environment at start and validated.
 * Split by area; every variable is documented in .env.example and the README.
 */
export interface GatewayConfig {
  env: 'development' | 'production' | 'test';
  /** Demo conveniences (generated secrets, pretty logs) are allowed only outside production. */
  demo: boolean;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    shutdownTimeoutMs: number;
    /** Longest wait for a request's headers, then for the whole request (body included). */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
  };
  database: { url: string | undefined; target: DatabaseTarget; poolSize: number };
  security: {
    adminKey: string | undefined;
    /** AES-256-GCM keys by id; `activeKeyId` seals new secrets, every key can open old ones. */
    encryptionKeys: Map<string, Buffer>;
    activeKeyId: string | undefined;
    metricsToken: string | undefined;
    inboundRateLimitPerMinute: number;
  };
  /**
   * Demo mode: the provider sandbox the demo runs beside the gateway (scripts/start-demo.js); the
   * gateway registers its accounts, knowing nothing of the sandbox but its URL.
   */
  sandboxUrl: string | undefined;
  providers: {
    defaultProvider: ProviderName | undefined;
    upstreamTimeoutMs: number;
    rateLimit: boolean;
    /**
     * Hosts a provider account's baseUrl may name besides the providers' official ones (and the
     * only way to name loopback, private or link-local addresses): exact host[:port] or *.domain.
     */
    hostAllowlist: string[];
  };
  jobs: {
    syncIntervalSeconds: number;
    /** How often deletes in progress and lost create answers are followed up; 0 = off. */
    syncFollowUpMs: number;
  };
  usage: {
    /** Period of the sampling pass (a sync of every account); 0 = off. */
    sampleIntervalSeconds: number;
    hourlyRetentionDays: number;
  };
  webhooks: WebhookSettings;
  logging: { level: LogLevel; format: 'json' | 'pretty' };
  redisUrl: string | undefined;
  dataDir: string;
}

/** How events are delivered to webhook endpoints (WEBHOOK_*). */
export interface WebhookSettings {
  /**
   * Hosts a webhook URL may name that are not public (loopback, private, link-local), exact
   * host[:port] or *.domain: such a URL, or a name resolving to such an address, is refused otherwise.
   */
  hostAllowlist: string[];
  /** One delivery attempt, answer included. */
  timeoutMs: number;
  /** Waits before the 2nd, 3rd, … attempt; after the last one the delivery is given up. */
  retryScheduleMs: number[];
  /** An endpoint failing this long without one success is switched off. */
  disableAfterMs: number;
  pollIntervalMs: number;
  /** Deliveries in flight per replica (0: this replica delivers nothing), and per endpoint. */
  concurrency: number;
  endpointConcurrency: number;
}

/** Every variable the gateway reads (documented in .env.example and the README). */
export const GATEWAY_VARIABLES = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'BODY_LIMIT_BYTES',
  'SHUTDOWN_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'GATEWAY_ADMIN_KEY',
  'ENCRYPTION_KEYS',
  'METRICS_TOKEN',
  'RATE_LIMIT_PER_MINUTE',
  'SANDBOX_URL',
  'DEFAULT_PROVIDER',
  'PROVIDER_HOST_ALLOWLIST',
  'UPSTREAM_TIMEOUT_MS',
  'UPSTREAM_RATE_LIMIT',
  'SYNC_INTERVAL_SECONDS',
  'SYNC_FOLLOW_UP_MS',
  'USAGE_SAMPLE_INTERVAL_SECONDS',
  'USAGE_HOURLY_RETENTION_DAYS',
  'WEBHOOK_HOST_ALLOWLIST',
  'WEBHOOK_TIMEOUT_MS',
  'WEBHOOK_RETRY_SCHEDULE',
  'WEBHOOK_DISABLE_AFTER',
  'WEBHOOK_POLL_INTERVAL_MS',
  'WEBHOOK_CONCURRENCY',
  'WEBHOOK_ENDPOINT_CONCURRENCY',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'REDIS_URL',
  'DATA_DIR',
] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad or missing value: the message names the variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

/** 0 (off), or a whole number from `min` to `max`: a period too short to be meant. */
function offOrAtLeast(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = integer(env, name, fallback, 0, max);
  if (value !== 0 && value < min) {
    throw new ConfigError(name, `must be 0 (off) or a whole number from ${min} to ${max} (got "${value}")`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T | undefined,
): T | undefined {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(raw))
    throw new ConfigError(name, `must be an http(s):// URL (got "${raw}")`);
  return raw.replace(/\/+$/, '');
}

/** A comma-separated list of hosts: `host`, `host:port`, `[v6]:port` or `*.domain`. */
function hostList(env: Env, name: string): string[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  const hosts = raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!/^(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/.test(host)) {
      throw new ConfigError(
        name,
        `must list hosts such as api.example.com, 10.0.0.5:8080 or *.example.com (got "${host}")`,
      );
    }
  }
  return hosts;
}

/** `ENCRYPTION_KEYS=id1:<base64 of 32 bytes>,id2:...`; the first key seals, all keys open. */
export function parseEncryptionKeys(raw: string | undefined): {
  keys: Map<string, Buffer>;
  activeKeyId?: string;
} {
  const keys = new Map<string, Buffer>();
  if (!raw) return { keys };
  let activeKeyId: string | undefined;
  for (const entry of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (separator < 1 || !/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
      throw new ConfigError('ENCRYPTION_KEYS', 'must be a comma-separated list of <id>:<base64 key>');
    }
    if (key.length !== 32) {
      throw new ConfigError(
        'ENCRYPTION_KEYS',
        `key "${id}" must be 32 bytes, base64-encoded (got ${key.length} bytes)`,
      );
    }
    if (keys.has(id)) throw new ConfigError('ENCRYPTION_KEYS', `key id "${id}" appears twice`);
    keys.set(id, key);
    activeKeyId ??= id;
  }
  return { keys, activeKeyId };
}

/**
 * Where the database is: DATABASE_URL, or else the embedded database in DATA_DIR/pglite (DATA_DIR
 * holds all of a demo's state). The gateway and the maintenance scripts read it the same way.
 */
export function databaseTargetOf(env: Env): DatabaseTarget {
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl === undefined) {
    return { kind: 'pglite', dataDir: resolve(text(env, 'DATA_DIR') ?? './data', 'pglite') };
  }
  try {
    return resolveDatabaseTarget(databaseUrl);
  } catch (error) {
    throw new ConfigError('DATABASE_URL', (error as Error).message);
  }
}

/**
 * A client gets HEADERS_TIMEOUT_MS to send its headers and REQUEST_TIMEOUT_MS to send the whole
 * request; past either it gets 408 and the connection is closed, so slow senders cannot hold
 * connections open. The headers come first, so their limit cannot be the longer one.
 */
function requestTimeouts(env: Env): { headersTimeoutMs: number; requestTimeoutMs: number } {
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 500, 600_000);
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 500, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      'HEADERS_TIMEOUT_MS',
      `must not be longer than REQUEST_TIMEOUT_MS (${requestTimeoutMs}) (got "${headersTimeoutMs}")`,
    );
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

/**
 * Standard Webhooks' suggested schedule by default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily
 * for 3 days; an endpoint failing for 3 days is disabled. Tests shorten both.
 */
function webhookSettings(env: Env): WebhookSettings {
  const schedule = text(env, 'WEBHOOK_RETRY_SCHEDULE') ?? '5s,5m,30m,2h,5h,10h,1d,1d,1d';
  const retryScheduleMs = parseDurationList(schedule);
  if (!retryScheduleMs || retryScheduleMs.length > 50) {
    throw new ConfigError(
      'WEBHOOK_RETRY_SCHEDULE',
      `must be up to 50 comma-separated durations such as 5s,5m,2h,1d (got "${schedule}")`,
    );
  }
  const disableAfter = text(env, 'WEBHOOK_DISABLE_AFTER') ?? '3d';
  const disableAfterMs = parseDuration(disableAfter);
  if (disableAfterMs === null || disableAfterMs === 0) {
    throw new ConfigError(
      'WEBHOOK_DISABLE_AFTER',
      `must be a duration such as 3d or 12h (got "${disableAfter}")`,
    );
  }
  return {
    hostAllowlist: hostList(env, 'WEBHOOK_HOST_ALLOWLIST'),
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    retryScheduleMs,
    disableAfterMs,
    pollIntervalMs: integer(env, 'WEBHOOK_POLL_INTERVAL_MS', 250, 10, 60_000),
    concurrency: integer(env, 'WEBHOOK_CONCURRENCY', 32, 0, 1000),
    endpointConcurrency: integer(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 100),
  };
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development')!;
  const production = nodeEnv === 'production';

  const databaseUrl = text(env, 'DATABASE_URL');
  const target = databaseTargetOf(env);

  const adminKey = text(env, 'GATEWAY_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 24) {
    throw new ConfigError('GATEWAY_ADMIN_KEY', 'must be at least 24 characters long');
  }
  const { keys, activeKeyId } = parseEncryptionKeys(text(env, 'ENCRYPTION_KEYS'));

  const redisUrl = text(env, 'REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  }

  const config: GatewayConfig = {
    env: nodeEnv,
    demo: !production,
    http: {
      host: text(env, 'HOST') ?? '0.0.0.0',
      port: integer(env, 'PORT', 3000, 0, 65535),
      bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
      shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
      ...requestTimeouts(env),
    },
    database: { url: databaseUrl, target, poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200) },
    security: {
      adminKey,
      encryptionKeys: keys,
      activeKeyId,
      metricsToken: text(env, 'METRICS_TOKEN'),
      inboundRateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    },
    sandboxUrl: httpUrl(env, 'SANDBOX_URL'),
    providers: {
      defaultProvider: oneOf(env, 'DEFAULT_PROVIDER', PROVIDER_NAMES, undefined),
      upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
      rateLimit: boolean(env, 'UPSTREAM_RATE_LIMIT', true),
      hostAllowlist: hostList(env, 'PROVIDER_HOST_ALLOWLIST'),
    },
    jobs: {
      syncIntervalSeconds: integer(env, 'SYNC_INTERVAL_SECONDS', 0, 0, 86_400),
      syncFollowUpMs: offOrAtLeast(env, 'SYNC_FOLLOW_UP_MS', 3_000, 100, 600_000),
    },
    usage: {
      sampleIntervalSeconds: integer(
        env,
        'USAGE_SAMPLE_INTERVAL_SECONDS',
        production ? 3600 : 300,
        0,
        86_400,
      ),
      hourlyRetentionDays: integer(env, 'USAGE_HOURLY_RETENTION_DAYS', 90, 1, 3650),
    },
    webhooks: webhookSettings(env),
    logging: {
      level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info')!,
      format: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, production ? 'json' : 'pretty')!,
    },
    redisUrl,
    dataDir: text(env, 'DATA_DIR') ?? './data',
  };

  if (production) {
    // The embedded database and generated secrets are for one process on one machine.
    if (target.kind !== 'postgres') {
      throw new ConfigError('DATABASE_URL', 'is required in production and must be a postgresql:// URL');
    }
    if (!adminKey) throw new ConfigError('GATEWAY_ADMIN_KEY', 'is required in production');
    if (!activeKeyId) throw new ConfigError('ENCRYPTION_KEYS', 'is required in production');
  }
  return config;
}
