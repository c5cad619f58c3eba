import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the webhook queue holds now (read from the database when /metrics is scraped). */
export interface WebhookQueueReading {
  depth: number;
  oldestAgeSeconds: number;
}

const CIRCUIT_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2, isolated: 3 } as const;

/**
 * Every Prometheus metric of the gateway, in one registry per application (tests start
 * several applications in one process; a global registry would mix them).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'sgw_http_request_duration_seconds',
    help: 'HTTP requests served by the gateway, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'sgw_upstream_request_duration_seconds',
    help: 'Provider calls (all attempts of one call), by provider, operation and outcome (ok or error code)',
    labelNames: ['provider', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'sgw_upstream_retries_total',
    help: 'Provider call attempts retried, by provider and operation',
    labelNames: ['provider', 'operation'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'sgw_upstream_circuit_state',
    help: 'Circuit breaker per provider account: 0 closed, 1 half-open, 2 open, 3 isolated',
    labelNames: ['provider', 'account'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWait = new Histogram({
    name: 'sgw_upstream_rate_limit_wait_seconds',
    help: 'Time calls waited for the per-account provider rate limit',
    labelNames: ['provider'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60],
    registers: [this.registry],
  });

  readonly inboundRateLimited = new Counter({
    name: 'sgw_inbound_rate_limited_total',
    help: 'Requests refused with 429 RATE_LIMITED by the gateway’s own per-key limit',
    registers: [this.registry],
  });

  readonly syncRuns = new Counter({
    name: 'sgw_sync_runs_total',
    help: 'Provider account syncs, by provider and outcome (ok or error)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly syncChanges = new Counter({
    name: 'sgw_sync_changes_total',
    help: 'What syncs found, by kind (adopted, matchedIntents, vanished, drift, updated, deletesConfirmed)',
    labelNames: ['provider', 'kind'] as const,
    registers: [this.registry],
  });

  readonly usageSampled = new Gauge({
    name: 'sgw_usage_last_sample_timestamp_seconds',
    help: 'When the last usage sampling pass (a sync of every account) finished with every account read (Unix seconds)',
    registers: [this.registry],
  });

  readonly jobsFinished = new Counter({
    name: 'sgw_jobs_finished_total',
    help: 'Jobs finished, by type and status',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'sgw_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome: succeeded, failed (tried again later) or gave-up (no attempt left)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private webhookQueue?: () => Promise<WebhookQueueReading>;
  // One reading serves both gauges of a scrape.
  private webhookReading?: { at: number; value: Promise<WebhookQueueReading | null> };

  readonly webhookQueueDepth = new Gauge({
    name: 'sgw_webhook_queue_depth',
    help: 'Webhook deliveries still owed to enabled endpoints (all replicas)',
    registers: [this.registry],
    collect: async () => {
      const reading = await this.readWebhookQueue();
      if (reading) this.webhookQueueDepth.set(reading.depth);
    },
  });

  readonly webhookOldestPendingAge = new Gauge({
    name: 'sgw_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest event not yet delivered to an enabled endpoint (0 when none)',
    registers: [this.registry],
    collect: async () => {
      const reading = await this.readWebhookQueue();
      if (reading) this.webhookOldestPendingAge.set(reading.oldestAgeSeconds);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sgw_' });
  }

  /** The webhook deliverer tells how to read its queue. */
  watchWebhookQueue(read: () => Promise<WebhookQueueReading>): void {
    this.webhookQueue = read;
  }

  /** A failed reading (the database is away) leaves the gauges as they were: /metrics still answers. */
  private readWebhookQueue(): Promise<WebhookQueueReading | null> {
    const read = this.webhookQueue;
    if (!read) return Promise.resolve(null);
    const now = Date.now();
    if (!this.webhookReading || now - this.webhookReading.at > 1000) {
      this.webhookReading = { at: now, value: read().catch(() => null) };
    }
    return this.webhookReading.value;
  }

  setCircuitState(provider: string, account: string, state: keyof typeof CIRCUIT_STATE_VALUE): void {
    this.circuitState.set({ provider, account }, CIRCUIT_STATE_VALUE[state]);
  }
}
