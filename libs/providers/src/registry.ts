import { createHash } from 'node:crypto';
import type IORedis from 'ioredis';
import type { ProviderCapabilities, ProviderDescription, ProviderName } from '@app/domain';
import type { ProviderAccountConfig, ProviderDriverFactory } from './driver-runtime';
import { iproyalDriverFactory } from './iproyal/iproyal.driver';
import type { ProviderDriver } from './provider-driver';
import { proxyhatDriverFactory } from './proxyhat/proxyhat.driver';
import {
  SharedRedisConnection,
  type UpstreamLimiter,
  createLimiter,
  createPassThroughLimiter,
} from './resilience/rate-limiter';
import {
  type DriverOptions,
  type DriverOptionsInput,
  resolveDriverOptions,
} from './resilience/resilience.types';
import { webshareDriverFactory } from './webshare/webshare.driver';

/** Every provider the gateway speaks. A new provider: a new folder and one line here. */
export const BUILT_IN_DRIVER_FACTORIES: readonly ProviderDriverFactory[] = [
  webshareDriverFactory,
  proxyhatDriverFactory,
  iproyalDriverFactory,
];

export interface ProviderRegistryOptions {
  factories?: readonly ProviderDriverFactory[];
  /** Options for every driver. */
  driverOptions?: DriverOptionsInput;
  /** Options for one provider's drivers, over `driverOptions`. */
  providerOptions?: Partial<Record<ProviderName, DriverOptionsInput>>;
  /** Shares each account's rate limit across replicas (same as `driverOptions.rateLimit.redisUrl`). */
  redisUrl?: string;
  /** The application's Redis client, used instead of opening a connection from `redisUrl`. */
  redis?: IORedis;
  /** Delete this registry's limiter keys from Redis on close (tests; a single replica). */
  clearRedisOnClose?: boolean;
}

interface CachedDriver {
  fingerprint: string;
  driver: ProviderDriver;
  limiter: UpstreamLimiter;
}

/**
 * Drivers per provider account: one driver (one keep-alive undici pool, one circuit breaker,
 * one limiter) per account id, rebuilt when the account's base URL, key or plan change.
 */
export class ProviderRegistry {
  private readonly factories = new Map<ProviderName, ProviderDriverFactory>();
  private readonly drivers = new Map<string, CachedDriver>();
  private readonly closing = new Set<Promise<void>>();
  private redis?: SharedRedisConnection;

  constructor(private readonly options: ProviderRegistryOptions = {}) {
    for (const factory of options.factories ?? BUILT_IN_DRIVER_FACTORIES)
      this.factories.set(factory.provider, factory);
  }

  supportedProviders(): ProviderName[] {
    return [...this.factories.keys()];
  }

  describe(provider: ProviderName): ProviderDescription {
    return this.factoryFor(provider).description;
  }

  capabilities(provider: ProviderName): ProviderCapabilities {
    return this.describe(provider).capabilities;
  }

  /** The options a driver for `provider` gets (defaults, then registry-wide, then per provider). */
  driverOptions(provider: ProviderName): DriverOptions {
    const resolved = resolveDriverOptions(
      this.options.driverOptions,
      this.options.providerOptions?.[provider],
    );
    const perMinute = resolved.rateLimit.perMinute ?? this.describe(provider).capabilities.rateLimitPerMinute;
    const redisUrl = resolved.rateLimit.redisUrl ?? this.options.redisUrl;
    return {
      ...resolved,
      rateLimit: { ...resolved.rateLimit, perMinute, ...(redisUrl ? { redisUrl } : {}) },
    };
  }

  driverFor(account: ProviderAccountConfig): ProviderDriver {
    const fingerprint = fingerprintOf(account);
    const cached = this.drivers.get(account.id);
    if (cached && cached.fingerprint === fingerprint) return cached.driver;
    if (cached) this.retire(cached);

    const factory = this.factoryFor(account.provider);
    const options = this.driverOptions(account.provider);
    const limiter = this.limiterFor(account, options);
    const driver = factory.create(account, { options, limiter });
    this.drivers.set(account.id, { fingerprint, driver, limiter });
    return driver;
  }

  /** Drops an account's driver (e.g. the account was edited or removed). */
  async invalidate(accountId: string): Promise<void> {
    const cached = this.drivers.get(accountId);
    if (!cached) return;
    this.drivers.delete(accountId);
    await this.retire(cached);
  }

  /** Closes every driver, limiter and Redis connection. */
  async close(): Promise<void> {
    const cached = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.all(cached.map((entry) => this.retire(entry)));
    await Promise.allSettled([...this.closing]);
    if (this.redis) {
      await this.redis.close();
      this.redis = undefined;
    }
  }

  /**
   * Nest calls this on shutdown when the registry is a provider: after HTTP requests have
   * drained and jobs have stopped (onModuleDestroy would close drivers still in use).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private factoryFor(provider: ProviderName): ProviderDriverFactory {
    const factory = this.factories.get(provider);
    if (!factory) throw new Error(`no driver registered for provider '${provider}'`);
    return factory;
  }

  private limiterFor(account: ProviderAccountConfig, options: DriverOptions): UpstreamLimiter {
    const { rateLimit } = options;
    if (!rateLimit.enabled) return createPassThroughLimiter();
    const settings = {
      id: `${account.provider}:${account.id}`,
      perMinute: rateLimit.perMinute ?? 60,
      maxConcurrent: rateLimit.maxConcurrent ?? 10,
    };
    // Shared through Redis: the application's client when it gave one, else a URL's own connection.
    const source = this.options.redis ?? rateLimit.redisUrl;
    if (!source) return createLimiter(settings);
    this.redis ??= new SharedRedisConnection(source);
    return createLimiter({
      ...settings,
      redis: { connection: this.redis, keyPrefix: rateLimit.keyPrefix ?? 'subuser-gateway' },
    });
  }

  private retire(entry: CachedDriver): Promise<void> {
    const done = (async () => {
      await entry.driver.close();
      await entry.limiter.close({ clearSharedState: this.options.clearRedisOnClose === true });
    })().catch(() => undefined);
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
    return done;
  }
}

/** Identifies an account's connection settings without keeping another copy of the key. */
function fingerprintOf(account: ProviderAccountConfig): string {
  return createHash('sha256')
    .update(JSON.stringify([account.provider, account.baseUrl, account.apiKey, account.planId ?? null]))
    .digest('hex');
}
