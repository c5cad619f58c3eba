import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JobRepository, UsageRepository } from '@app/persistence';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { MetricsService } from '../observability/metrics.service';
import { SyncService } from '../sync/sync.service';
import { BudgetWatcher } from './budget-watcher';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The sampling pass: every USAGE_SAMPLE_INTERVAL_SECONDS a sync of every account (its listing is
 * the sample, paced by each account's published rate limit like any sync), then the budgets are
 * checked and old hourly buckets purged. Replicas share it: a sync already queued is reused.
 */
@Injectable()
export class UsageSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('UsageSampler');
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sync: SyncService,
    private readonly jobs: JobRepository,
    private readonly usage: UsageRepository,
    private readonly budgets: BudgetWatcher,
    private readonly metrics: MetricsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.usage.sampleIntervalSeconds;
    if (seconds <= 0) return;
    // Counted from the start: an alert on the gauge's age fires only when passes stop succeeding.
    this.metrics.usageSampled.set(Math.floor(Date.now() / 1000));
    this.timer = setInterval(() => void this.runPass(), seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  /** One pass now (what the timer runs; tests call it). */
  runPass(): Promise<void> {
    this.pass ??= this.samplingPass()
      .catch((error: unknown) => this.logger.warn(`Usage sampling failed: ${(error as Error).message}`))
      .finally(() => {
        this.pass = undefined;
      });
    return this.pass;
  }

  private async samplingPass(): Promise<void> {
    const { job } = await this.sync.trigger(null, 'usage-sample', null);
    const deadline = Date.now() + Math.max(this.config.usage.sampleIntervalSeconds, 60) * 1000;
    let finished = await this.jobs.findById(job.id);
    while (
      !this.stopped &&
      finished &&
      ['queued', 'running'].includes(finished.status) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      finished = await this.jobs.findById(job.id);
    }
    if (finished?.status === 'succeeded') this.metrics.usageSampled.set(Math.floor(Date.now() / 1000));
    await this.budgets.check();
    await this.usage.purgeHourly(new Date(Date.now() - this.config.usage.hourlyRetentionDays * DAY_MS));
  }
}
