import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis, { RedisOptions } from 'ioredis';
import { GATEWAY_CONFIG } from '../../config/config.module';
import { GatewayConfig } from '../../config/gateway-config';

/**
 * The gateway's one Redis connection (REDIS_URL), shared by everything that needs Redis in this
 * process (the inbound rate limit, key revocations), with one set of options, closed on
 * shutdown. Subscribing needs a connection of its own (a subscribed connection can run nothing
 * else): `subscriber()` duplicates the client, options included. Without REDIS_URL there is none.
 *
 * Redis is an accelerator here, never a dependency: commands fail fast instead of queueing while
 * it is down (`enableOfflineQueue: false`), and callers fall back (local counting, cache expiry).
 */
@Injectable()
export class SharedRedis implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** Names this process's connections in `CLIENT LIST`, so operators (and tests) can count them. */
  readonly connectionName = `sgw-gateway:${randomUUID().slice(0, 8)}`;
  readonly client: Redis | null;
  private subscription: Redis | null = null;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'redisUrl'>) {
    this.client = config.redisUrl ? this.watch(new Redis(config.redisUrl, this.options())) : null;
  }

  /** Connects before the application serves, without refusing to start when Redis is down. */
  async onModuleInit(): Promise<void> {
    await this.connect(this.client);
  }

  /** True when commands can be sent now. */
  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  /** The connection for SUBSCRIBE (created on first use; null without REDIS_URL). */
  async subscriber(): Promise<Redis | null> {
    if (!this.client) return null;
    if (!this.subscription) {
      this.subscription = this.watch(this.client.duplicate());
      await this.connect(this.subscription);
    }
    return this.subscription;
  }

  async onApplicationShutdown(): Promise<void> {
    const clients = [this.client, this.subscription].filter((client): client is Redis => client !== null);
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private options(): RedisOptions {
    return {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: this.connectionName,
    };
  }

  private watch(client: Redis): Redis {
    // The reason only: the URL may hold a password.
    client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    return client;
  }

  private async connect(client: Redis | null): Promise<void> {
    if (!client) return;
    await client.connect().catch((error: Error) => {
      // ioredis keeps reconnecting in the background; until then callers use their fallbacks.
      this.logger.warn(`Redis unavailable at start, continuing without it for now: ${error.message}`);
    });
  }
}
