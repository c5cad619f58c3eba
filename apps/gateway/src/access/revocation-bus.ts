import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';

export const REVOCATION_CHANNEL = 'sgw:api-key-revoked';

/**
 * Tells the other replicas that an API key was revoked, so they drop it from their caches at
 * once (the cache TTL bounds the delay when Redis is absent or a message is lost).
 * Without REDIS_URL it does nothing.
 */
@Injectable()
export class RevocationBus implements OnApplicationShutdown {
  private readonly logger = new Logger('RevocationBus');
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly listeners: ((keyId: string) => void)[] = [];

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'redisUrl'>) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  /** Connects (when configured) and calls `listener` with each revoked key id from any replica. */
  async start(listener: (keyId: string) => void): Promise<void> {
    this.listeners.push(listener);
    if (!this.config.redisUrl || this.subscriber) return;
    const options = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true };
    this.publisher = new Redis(this.config.redisUrl, options);
    this.subscriber = new Redis(this.config.redisUrl, options);
    // Log the reason only: the URL may hold a password.
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.subscriber.on('message', (channel: string, keyId: string) => {
      if (channel !== REVOCATION_CHANNEL) return;
      for (const notify of this.listeners) notify(keyId);
    });
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(REVOCATION_CHANNEL);
    } catch (error) {
      // Revocations still reach other replicas within the cache TTL: do not refuse to start.
      this.logger.warn(
        `Redis unavailable, revocations spread by cache expiry only: ${(error as Error).message}`,
      );
    }
  }

  publish(keyId: string): void {
    if (!this.publisher) return;
    this.publisher.publish(REVOCATION_CHANNEL, keyId).catch((error: Error) => {
      this.logger.warn(`Could not broadcast a revocation: ${error.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [this.publisher, this.subscriber].map((client) =>
        client ? client.quit().catch(() => undefined) : undefined,
      ),
    );
    this.publisher = this.subscriber = null;
  }
}
