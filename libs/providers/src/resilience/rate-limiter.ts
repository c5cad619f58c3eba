import Bottleneck from 'bottleneck';
import IORedis from 'ioredis';
import type { CallPriority } from '../provider-driver';

/** Bottleneck priorities: lower runs first. */
const PRIORITY: Record<CallPriority, number> = { user: 2, background: 7 };

/** Redis keys expire after this much inactivity, so stopped accounts leave nothing behind. */
const REDIS_KEY_TTL_MS = 10 * 60_000;
/**
 * How often a Redis-backed limiter re-checks its queue (one script call per account and replica).
 * Bottleneck's 5 s default would hold waiting calls far longer than the rate requires.
 */
const REDIS_HEARTBEAT_MS = 1_000;

export interface UpstreamLimiter {
  /** Runs `task` when the account's rate and concurrency allow; resolves with its result. */
  schedule<T>(priority: CallPriority, task: () => Promise<T>): Promise<T>;
  close(options?: { clearSharedState?: boolean }): Promise<void>;
}

export interface LimiterSettings {
  /** Unique per account (and per provider), e.g. `webshare:acc-1`. */
  id: string;
  perMinute: number;
  maxConcurrent: number;
  /** Set for a limit shared by every replica; its keys are `b_<keyPrefix>:<id>_*`. */
  redis?: { connection: SharedRedisConnection; keyPrefix: string };
}

/**
 * A token bucket: up to ~10 s worth of calls at once, then the published pace. For the Redis store
 * (shared by replicas), tokens come in whole numbers at least 250 ms apart (Bottleneck's heartbeat),
 * spaced so the rate is exact; an in-memory bucket starts full and is topped up by startElapsedRefill.
 */
export function bucketSettings(perMinute: number): Bottleneck.ConstructorOptions {
  const rate = Math.max(1, perMinute);
  const burst = Math.max(1, Math.ceil(rate / 6));
  const amount = Math.ceil((rate * 250) / 60_000);
  const intervalMs = Math.round((60_000 * amount) / rate);
  return {
    reservoir: burst,
    reservoirIncreaseInterval: intervalMs,
    reservoirIncreaseAmount: amount,
    reservoirIncreaseMaximum: burst,
  };
}

/** How often a local bucket is topped up from the time elapsed. */
const REFILL_TICK_MS = 50;

/**
 * Tokens owed by the time elapsed since the bucket started, minus those already granted: exact
 * however late the timer that asks fires (the fractional token is carried, never lost).
 */
export class ElapsedRefill {
  private granted = 0;

  constructor(
    private readonly perMinute: number,
    private readonly startedAtMs: number,
  ) {}

  owed(nowMs: number): number {
    const due = Math.floor(((nowMs - this.startedAtMs) * Math.max(1, this.perMinute)) / 60_000);
    const owed = Math.max(0, due - this.granted);
    this.granted += owed;
    return owed;
  }
}

/**
 * Tops up an in-memory bucket from the time elapsed, up to its burst. Bottleneck's own local refill
 * restarts its interval at whichever heartbeat noticed it was due, so every late heartbeat is lost:
 * a 1 s interval checked every 250 ms served a token every 1.0–1.25 s, and ProxyHat's 60/min ran
 * about a fifth slow in the bulk-create benchmark. (Its Redis store computes the refill from the
 * time elapsed, as here.)
 */
function startElapsedRefill(bottleneck: Bottleneck, perMinute: number, burst: number): () => void {
  const refill = new ElapsedRefill(perMinute, Date.now());
  const timer = setInterval(() => {
    const owed = refill.owed(Date.now());
    if (owed === 0) return;
    void bottleneck
      .currentReservoir()
      .then((current) => {
        const room = burst - (current ?? 0);
        return room > 0 ? bottleneck.incrementReservoir(Math.min(owed, room)) : undefined;
      })
      .catch(() => undefined);
  }, REFILL_TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export function createLimiter(settings: LimiterSettings): UpstreamLimiter {
  const bucket = bucketSettings(settings.perMinute);
  const common: Bottleneck.ConstructorOptions = { maxConcurrent: settings.maxConcurrent };
  const bottleneck = settings.redis
    ? new Bottleneck({
        ...common,
        ...bucket,
        id: `${settings.redis.keyPrefix}:${settings.id}`,
        datastore: 'ioredis',
        connection: settings.redis.connection.bottleneckConnection(),
        clearDatastore: false,
        timeout: REDIS_KEY_TTL_MS,
        heartbeatInterval: REDIS_HEARTBEAT_MS,
      })
    : new Bottleneck({ ...common, reservoir: bucket.reservoir });
  const stopRefill = settings.redis
    ? () => undefined
    : startElapsedRefill(bottleneck, settings.perMinute, bucket.reservoir ?? 1);
  // Without a listener, Bottleneck reports errors (e.g. Redis trouble) through unhandled events.
  bottleneck.on('error', () => undefined);

  return {
    async schedule(priority, task) {
      let started = false;
      try {
        return await bottleneck.schedule({ priority: PRIORITY[priority] }, () => {
          started = true;
          return task();
        });
      } catch (error) {
        // The limiter itself failed (e.g. Redis is down): serve the call rather than fail it;
        // the provider's own 429s and our retries still protect the account.
        if (started || !settings.redis) throw error;
        return task();
      }
    },
    async close(options = {}) {
      stopRefill();
      if (settings.redis && options.clearSharedState) {
        await settings.redis.connection.deleteKeys(`b_${settings.redis.keyPrefix}:${settings.id}_*`);
      }
      if (!settings.redis) await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
      // With a shared connection, disconnecting the limiter would close the connection for all.
      else await bottleneck.disconnect(false).catch(() => undefined);
    },
  };
}

/** A limiter that lets everything through (rate limiting switched off). */
export function createPassThroughLimiter(): UpstreamLimiter {
  return { schedule: (_priority, task) => task(), close: async () => undefined };
}

/**
 * The Redis connection all limiters of a registry share: a copy of the application's own client
 * when it has one (the same server and options, so one configuration), else one opened from a
 * URL. Bottleneck adds the subscriber connection it needs (a duplicate of that connection).
 */
export class SharedRedisConnection {
  private readonly client: IORedis;
  private connection?: Bottleneck.IORedisConnection;

  constructor(source: string | IORedis) {
    // The application's client fails fast while Redis is down (no offline queue); Bottleneck
    // loads its scripts and subscribes as it starts, so it gets a copy of that client (same
    // server, name and options) that queues until connected.
    this.client =
      typeof source === 'string'
        ? new IORedis(source, { maxRetriesPerRequest: 2, lazyConnect: false })
        : source.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    this.client.on('error', () => undefined);
  }

  bottleneckConnection(): Bottleneck.IORedisConnection {
    if (!this.connection) {
      this.connection = new Bottleneck.IORedisConnection({ client: this.client, Redis: IORedis });
      this.connection.on('error', () => undefined);
    }
    return this.connection;
  }

  async deleteKeys(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      if (keys.length > 0) await this.client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.connection) await this.connection.disconnect(false).catch(() => undefined);
    this.client.disconnect();
  }
}
