import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { SharedRedis } from '../common/redis/shared-redis';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';

const WINDOW_MS = 60_000;
/** Bounds the memory of local counting; a full map starts over (it only ever under-counts). */
const LOCAL_MAX_KEYS = 100_000;

/** Where one key stands in the current window, as the RateLimit-* headers tell it. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the count starts again (1–60). */
  resetSeconds: number;
  /** This request went over the limit. */
  exceeded: boolean;
}

/**
 * The gateway's own per-key limit (RATE_LIMIT_PER_MINUTE): a fixed one-minute window per API
 * key, counted in Redis when REDIS_URL is set (so every replica shares it), in memory otherwise.
 * If Redis fails, requests are counted locally: the limit protects capacity, it is not a
 * security boundary.
 */
@Injectable()
export class InboundRateLimiter {
  private readonly local = new Map<string, { window: number; count: number }>();
  readonly limit: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly redis: SharedRedis,
    private readonly clock: Clock,
  ) {
    this.limit = config.security.inboundRateLimitPerMinute;
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Counts one request of `keyId` and says where the key stands (null when the limit is off). */
  async take(keyId: string): Promise<RateLimitState | null> {
    if (!this.enabled) return null;
    const now = this.clock.now();
    const window = Math.floor(now / WINDOW_MS);
    const count = (await this.countInRedis(keyId, window)) ?? this.countLocally(keyId, window);
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - count),
      resetSeconds: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)),
      exceeded: count > this.limit,
    };
  }

  private async countInRedis(keyId: string, window: number): Promise<number | undefined> {
    const client = this.redis.client;
    if (!client || !this.redis.ready) return undefined;
    try {
      const key = `sgw:inbound:${keyId}:${window}`;
      const [[, count]] = (await client
        .multi()
        .incr(key)
        .pexpire(key, WINDOW_MS * 2)
        .exec()) as [[null, number], unknown];
      return count;
    } catch {
      return undefined;
    }
  }

  private countLocally(keyId: string, window: number): number {
    const entry = this.local.get(keyId);
    if (!entry || entry.window !== window) {
      if (this.local.size >= LOCAL_MAX_KEYS) this.local.clear();
      this.local.set(keyId, { window, count: 1 });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }
}
