import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type ClaimedDelivery,
  Ledger,
  Transactions,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@app/persistence';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { SecretBox } from '../crypto/secret-box';
import { type EventView, testEventView, toEventView } from '../events/event.view';
import { MetricsService } from '../observability/metrics.service';
import { nextAttemptAt } from './retry-schedule';
import { signedHeaders } from './signing';
import { type SendOutcome, WebhookSender } from './webhook-sender';
import { toEndpointView } from './webhook.view';

// A lease outlives the longest attempt by this much, so no other replica takes a delivery over
// while it is still being sent.
const LEASE_MARGIN_MS = 20_000;
const LEASE_WAIT_POLL_MS = 25;

/**
 * Sends what the ledger's outbox owes to webhook endpoints. Every replica polls for due
 * deliveries and leases the ones it sends (SKIP LOCKED: never the same one twice); an endpoint
 * gets at most WEBHOOK_ENDPOINT_CONCURRENCY of a poll's slots, so a slow one cannot hold up the
 * others; events of one sub-user go to an endpoint one after the other, in order. Failed attempts
 * are tried again on WEBHOOK_RETRY_SCHEDULE, kept in the database, so a restart loses nothing.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Map<string, { endpointId: string; done: Promise<unknown> }>();
  private readonly busy = new Map<string, number>();
  private readonly stop = new AbortController();
  private readonly leaseMs: number;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private pollAgain = false;
  private stopped = false;

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly sender: WebhookSender,
    private readonly secrets: SecretBox,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly metrics: MetricsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.leaseMs = config.webhooks.timeoutMs + LEASE_MARGIN_MS;
  }

  onApplicationBootstrap(): void {
    this.metrics.watchWebhookQueue(() => this.deliveries.queueStats(new Date()));
    if (this.config.webhooks.concurrency === 0) return;
    this.timer = setInterval(() => this.kick(), this.config.webhooks.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now. */
  kick(): void {
    if (this.stopped || this.config.webhooks.concurrency === 0) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    void this.claimWhileCapacity()
      .catch((error: unknown) => this.logger.error(`Claiming deliveries failed: ${(error as Error).message}`))
      .finally(() => {
        this.polling = false;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.kick();
        }
      });
  }

  /**
   * Sends one delivery at once (a test, a manual retry) unless it is not pending, another
   * replica holds it, or an earlier event of its sub-user must go first (then the poll sends it).
   */
  async deliverNow(id: string): Promise<void> {
    if (this.stopped) return;
    const delivery = await this.deliveries.claimOne(id, this.owner, this.leaseMs, new Date());
    if (delivery) {
      await this.track(delivery);
      return;
    }
    // A poll (here or at another replica) took it first: the caller waits for that attempt.
    const deadline = Date.now() + this.leaseMs;
    while (!this.stopped && Date.now() < deadline && (await this.deliveries.isLeased(id, new Date()))) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_WAIT_POLL_MS));
    }
  }

  private async claimWhileCapacity(): Promise<void> {
    const { concurrency, endpointConcurrency } = this.config.webhooks;
    for (;;) {
      const free = concurrency - this.inFlight.size;
      if (this.stopped || free <= 0) return;
      const claimed = await this.deliveries.claimDue({
        owner: this.owner,
        leaseMs: this.leaseMs,
        limit: free,
        perEndpoint: endpointConcurrency,
        busy: this.busy,
        now: new Date(),
      });
      for (const delivery of claimed) void this.track(delivery);
      if (claimed.length < free) return;
    }
  }

  private track(delivery: ClaimedDelivery): Promise<unknown> {
    this.busy.set(delivery.endpointId, (this.busy.get(delivery.endpointId) ?? 0) + 1);
    const done = this.attempt(delivery)
      .catch((error: unknown) =>
        // The lease runs out and the delivery is tried again: at least once, never lost.
        this.logger.error(`Delivery ${delivery.id} could not be recorded: ${(error as Error).message}`),
      )
      .finally(() => {
        this.inFlight.delete(delivery.id);
        const left = (this.busy.get(delivery.endpointId) ?? 1) - 1;
        if (left > 0) this.busy.set(delivery.endpointId, left);
        else this.busy.delete(delivery.endpointId);
        this.kick();
      });
    this.inFlight.set(delivery.id, { endpointId: delivery.endpointId, done });
    return done;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const event = this.eventOf(delivery);
    let outcome: SendOutcome;
    if (!event) {
      outcome = this.refusal('the event no longer exists');
    } else {
      const secrets = this.signingSecrets(delivery);
      if (!secrets) {
        outcome = this.refusal('the signing secret cannot be opened with the configured ENCRYPTION_KEYS');
      } else {
        const body = JSON.stringify(event);
        const headers = signedHeaders(secrets, event.id, body, new Date());
        outcome = await this.sender.send(delivery.endpoint.url, headers, body, this.stop.signal);
      }
    }
    if (outcome.stopped) {
      await this.deliveries.release(delivery.id, this.owner);
      return;
    }
    const at = new Date();
    // An attempt counts where it was recorded: not when the lease was lost or the endpoint removed meanwhile.
    if (outcome.ok) {
      const recorded = await this.deliveries.recordSuccess(delivery.id, this.owner, {
        at,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
      });
      if (!recorded) return;
      // The endpoint's failing streak, if any, ended with the same statement.
      this.metrics.webhookDeliveries.inc({ outcome: 'succeeded' });
      return;
    }
    const next = nextAttemptAt(delivery.attempts, this.config.webhooks.retryScheduleMs, at);
    const recorded = await this.deliveries.recordFailure(delivery.id, this.owner, {
      at,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      error: outcome.error ?? 'failed',
      responseBody: outcome.responseBody,
      nextAttemptAt: next,
    });
    if (!recorded) return;
    this.metrics.webhookDeliveries.inc({ outcome: next ? 'failed' : 'gave-up' });
    // Ids and codes only: an endpoint's URL may carry a token of its owner's.
    this.logger.warn(
      {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        statusCode: outcome.statusCode,
        error: outcome.error,
      },
      next ? 'webhook delivery failed, will retry' : 'webhook delivery given up',
    );
    await this.noteEndpointFailure(delivery.endpointId, at);
  }

  private refusal(error: string): SendOutcome {
    return { ok: false, statusCode: null, durationMs: 0, error, responseBody: null, stopped: false };
  }

  private eventOf(delivery: ClaimedDelivery): EventView | null {
    if (delivery.event) return toEventView(delivery.event);
    if (delivery.eventType !== 'webhook.test') return null;
    return testEventView({
      eventId: delivery.eventId,
      createdAt: delivery.createdAt,
      endpointId: delivery.endpointId,
      endpointTenantId: delivery.endpoint.tenantId,
    });
  }

  /** The current secret, and the previous one during its day of overlap; null if one cannot be opened. */
  private signingSecrets(delivery: ClaimedDelivery): string[] | null {
    const { endpoint } = delivery;
    try {
      const secrets = [this.secrets.open(endpoint.secretCiphertext, endpoint.secretKeyId)];
      if (
        endpoint.previousSecretCiphertext &&
        endpoint.previousSecretKeyId &&
        endpoint.previousSecretExpiresAt &&
        endpoint.previousSecretExpiresAt.getTime() > Date.now()
      ) {
        secrets.push(this.secrets.open(endpoint.previousSecretCiphertext, endpoint.previousSecretKeyId));
      }
      return secrets;
    } catch (error) {
      this.logger.error(`Endpoint ${delivery.endpointId}: ${(error as Error).message}`);
      return null;
    }
  }

  /** An endpoint that has failed for WEBHOOK_DISABLE_AFTER without a success is switched off, and that is announced. */
  private async noteEndpointFailure(endpointId: string, at: Date): Promise<void> {
    const failingSince = await this.endpoints.noteFailure(endpointId, at);
    if (!failingSince || at.getTime() - failingSince.getTime() < this.config.webhooks.disableAfterMs) return;
    const reason = `every delivery failed since ${failingSince.toISOString()}`;
    await this.transactions.run(async (tx) => {
      const disabled = await this.endpoints.disable(endpointId, reason, failingSince, tx);
      if (!disabled) return;
      const view = toEndpointView(disabled);
      await this.ledger.recordChange(
        {
          action: 'webhook-endpoint.disabled',
          targetType: 'webhook-endpoint',
          targetId: endpointId,
          tenantId: disabled.tenantId,
          actor: { keyId: null, requestId: null },
          changes: { before: { enabled: true }, after: { enabled: false, disabledReason: reason } },
          announce: { type: 'webhook-endpoint.disabled', data: view },
        },
        tx,
      );
    });
    this.logger.warn({ endpointId }, 'webhook endpoint disabled after failing too long');
  }

  /**
   * Stops polling and cuts attempts in flight short: their leases go back at once, so another
   * replica (or the next start) sends them — before the database closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.stop.abort(new Error('shutting down'));
    await Promise.allSettled([...this.inFlight.values()].map((flight) => flight.done));
  }
}
