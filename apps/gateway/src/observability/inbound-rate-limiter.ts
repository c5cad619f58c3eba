import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import { GatewayError } from '@app/domain';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { MetricsService } from './metrics.service';

const WINDOW_MS = 60_000;

/**
 * The gateway's own per-key limit (RATE_LIMIT_PER_MINUTE): a fixed one-minute window per API
 * key, counted in Redis when REDIS_URL is set (so every replica shares it), in memory otherwise.
 * If Redis fails, requests pass: the limit protects capacity, it is not a security boundary.
 */
@Injectable()
export class InboundRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('InboundRateLimiter');
  private readonly local = new Map<string, { window: number; count: number }>();
  private readonly redis?: IORedis;
  private readonly limit: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly metrics: MetricsService,
  ) {
    this.limit = config.security.inboundRateLimitPerMinute;
    if (config.redisUrl && this.limit > 0) {
      this.redis = new IORedis(config.redisUrl, {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      });
      this.redis.on('error', (error) => this.logger.warn(`Redis: ${error.message}`));
    }
  }

  /** Counts one request of `keyId`; throws 429 RATE_LIMITED (with Retry-After) past the limit. */
  async take(keyId: string): Promise<void> {
    if (this.limit <= 0) return;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const count = (await this.countInRedis(keyId, window)) ?? this.countLocally(keyId, window);
    if (count > this.limit) {
      this.metrics.inboundRateLimited.inc();
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
      throw new GatewayError(
        'RATE_LIMITED',
        `This API key sent more than ${this.limit} requests this minute`,
        {
          extras: { retryAfterSeconds, limitPerMinute: this.limit },
        },
      );
    }
  }

  private async countInRedis(keyId: string, window: number): Promise<number | undefined> {
    if (!this.redis || this.redis.status !== 'ready') return undefined;
    try {
      const key = `sgw:inbound:${keyId}:${window}`;
      const [[, count]] = (await this.redis
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
      if (this.local.size > 100_000) this.local.clear();
      this.local.set(keyId, { window, count: 1 });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
