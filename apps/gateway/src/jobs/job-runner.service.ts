import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Ledger, Transactions, JobRepository, Job, Prisma } from '@app/persistence';
import { MetricsService } from '../observability/metrics.service';
import { JobContext, JobHandler } from './job-handler';
import { toJobDto } from './job-view';

interface JobEnd {
  status: 'succeeded' | 'failed';
  counts: Prisma.InputJsonValue;
  results: Prisma.InputJsonValue;
  error: string | null;
}

export interface JobRunnerSettings {
  pollIntervalMs: number;
  leaseMs: number;
  heartbeatMs: number;
  maxConcurrentJobs: number;
}

export const DEFAULT_JOB_RUNNER_SETTINGS: JobRunnerSettings = {
  pollIntervalMs: 1000,
  leaseMs: 30_000,
  heartbeatMs: 10_000,
  maxConcurrentJobs: 2,
};

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs jobs stored in the database. Each replica polls for runnable jobs and claims one with a
 * lease row (owner + expiry, renewed by a heartbeat); a job whose owner died is claimed again
 * once its lease expires, so work survives restarts and runs on one replica at a time.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobRunner');
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly running = new Map<string, RunningJob>();
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private settings = DEFAULT_JOB_RUNNER_SETTINGS;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private stopped = false;

  constructor(
    private readonly jobs: JobRepository,
    private readonly metrics: MetricsService,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
  ) {}

  configure(settings: Partial<JobRunnerSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  register(handler: JobHandler<never>): void {
    this.handlers.set(handler.type, handler);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.settings.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (called after a job is enqueued in this process). */
  kick(): void {
    if (this.stopped || this.polling) return;
    this.polling = true;
    void this.claimWhileCapacity()
      .catch((error: unknown) => this.logger.error(`Claiming jobs failed: ${(error as Error).message}`))
      .finally(() => {
        this.polling = false;
      });
  }

  private async claimWhileCapacity(): Promise<void> {
    while (!this.stopped && this.running.size < this.settings.maxConcurrentJobs) {
      const job = await this.jobs.claimNext(this.owner, this.settings.leaseMs, [...this.handlers.keys()]);
      if (!job) return;
      this.start(job);
    }
  }

  private start(job: Job): void {
    const handler = this.handlers.get(job.type)!;
    const controller = new AbortController();
    let counts: Record<string, number> = (job.counts as Record<string, number>) ?? {};
    let results: Prisma.InputJsonValue | undefined;
    const heartbeat = setInterval(() => {
      void this.jobs
        .heartbeat(job.id, this.owner, this.settings.leaseMs, { counts, ...(results ? { results } : {}) })
        .then((held) => {
          if (!held) controller.abort(new Error('lease lost'));
        })
        .catch(() => undefined);
    }, this.settings.heartbeatMs);
    heartbeat.unref();

    const context: JobContext<never> = {
      id: job.id,
      type: job.type,
      input: job.input as never,
      tenantId: job.tenantId,
      createdByKeyId: job.createdByKeyId,
      signal: controller.signal,
      progress: (next, partial) => {
        counts = next;
        if (partial !== undefined) results = partial;
      },
    };
    const started = Date.now();
    const done = (async () => {
      try {
        const outcome = await handler.run(context);
        if (controller.signal.aborted) return this.handBack(job);
        const status = outcome.error ? 'failed' : 'succeeded';
        const recorded = await this.finish(job, {
          status,
          counts: outcome.counts,
          results: outcome.results,
          error: outcome.error ?? null,
        });
        if (recorded) this.finished(job, status);
        this.logger.log(`Job ${job.type} ${job.id} ${status} in ${Date.now() - started} ms`);
      } catch (error) {
        if (controller.signal.aborted) return this.handBack(job);
        this.logger.error(`Job ${job.type} ${job.id} failed: ${(error as Error).message}`);
        const recorded = await this.finish(job, {
          status: 'failed',
          counts: counts as Prisma.InputJsonValue,
          results: [],
          error: (error as Error).message,
        });
        if (recorded) this.finished(job, 'failed');
      } finally {
        clearInterval(heartbeat);
        this.running.delete(job.id);
        this.kick();
      }
    })().catch((error: unknown) => {
      // Recording the end failed (e.g. the database is unreachable): the lease expires and the
      // job is claimed again; an unhandled rejection here would take the whole process down.
      this.logger.error(`Job ${job.type} ${job.id} could not be recorded: ${(error as Error).message}`);
    });
    this.running.set(job.id, { controller, done });
  }

  /**
   * Records the end of a job this replica still holds and announces it (`job.finished`, the job as
   * GET /v1/jobs/:id shows it) in the same transaction: never one without the other.
   */
  private finish(job: Job, end: JobEnd): Promise<boolean> {
    return this.transactions.run(async (tx) => {
      const finished = await this.jobs.finish(job.id, this.owner, end, tx);
      if (!finished) return false;
      await this.ledger.recordChange(
        {
          action: 'job.finished',
          targetType: 'job',
          targetId: job.id,
          tenantId: job.tenantId,
          actor: { keyId: job.createdByKeyId, requestId: null },
          outcome: end.status === 'failed' ? 'error' : 'ok',
          changes: { after: { status: end.status, error: end.error } },
          announce: { type: 'job.finished', data: toJobDto(finished) },
        },
        tx,
      );
      return true;
    });
  }

  /**
   * Every job this replica finishes is counted once, by type and final status, whether the
   * handler reported a failure, threw, or succeeded; a job handed back to the queue, or whose
   * lease another replica took, has not finished here.
   */
  private finished(job: Job, status: 'succeeded' | 'failed'): void {
    this.metrics.jobsFinished.inc({ type: job.type, status });
  }

  /** A job stopped by shutdown goes back to the queue for the next replica (or the next start). */
  private async handBack(job: Job): Promise<void> {
    await this.jobs.release(job.id, this.owner);
    this.logger.warn(`Job ${job.type} ${job.id} handed back to the queue`);
  }

  /**
   * Stops polling, asks running jobs to stop, and waits for them (bounded by the shutdown
   * timeout) — before the drivers and the database close in onApplicationShutdown.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const job of this.running.values()) job.controller.abort(new Error('shutting down'));
    await Promise.allSettled([...this.running.values()].map((job) => job.done));
  }
}
