import { Injectable, Logger } from '@nestjs/common';
import { SharedRedis } from '../common/redis/shared-redis';

export const REVOCATION_CHANNEL = 'sgw:api-key-revoked';

/**
 * Tells the other replicas that an API key was revoked, so they drop it from their caches at
 * once (the cache TTL bounds the delay when Redis is absent or a message is lost). Uses the
 * shared Redis connection; without REDIS_URL it does nothing.
 */
@Injectable()
export class RevocationBus {
  private readonly logger = new Logger('RevocationBus');
  private readonly listeners: ((keyId: string) => void)[] = [];
  private subscribed = false;

  constructor(private readonly redis: SharedRedis) {}

  get enabled(): boolean {
    return this.redis.client !== null;
  }

  /** Calls `listener` with each key id revoked on any replica. */
  async start(listener: (keyId: string) => void): Promise<void> {
    this.listeners.push(listener);
    if (this.subscribed) return;
    const subscriber = await this.redis.subscriber();
    if (!subscriber) return;
    this.subscribed = true;
    subscriber.on('message', (channel: string, keyId: string) => {
      if (channel !== REVOCATION_CHANNEL) return;
      for (const notify of this.listeners) notify(keyId);
    });
    // (Re)subscribe whenever the connection becomes ready, so a Redis that was down at start
    // still delivers revocations once it is up.
    const subscribe = () =>
      subscriber.subscribe(REVOCATION_CHANNEL).catch((error: Error) => {
        this.logger.warn(`Could not subscribe to revocations: ${error.message}`);
      });
    subscriber.on('ready', () => void subscribe());
    if (subscriber.status === 'ready') await subscribe();
  }

  publish(keyId: string): void {
    const client = this.redis.client;
    if (!client) return;
    client.publish(REVOCATION_CHANNEL, keyId).catch((error: Error) => {
      this.logger.warn(`Could not broadcast a revocation (others drop it within a second): ${error.message}`);
    });
  }
}
