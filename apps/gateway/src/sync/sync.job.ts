import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Actor, Prisma } from '@app/persistence';
import { JobContext, JobHandler, JobOutcome } from '../jobs/job-handler';
import { JobRunner } from '../jobs/job-runner.service';
import { MetricsService } from '../observability/metrics.service';
import { ProviderAccountsService } from '../provider-accounts/provider-accounts.service';
import { AccountReconciler } from '../reconciliation/account-reconciler';
import { type AccountSyncResult, COUNT_FIELDS } from '../reconciliation/sync-result';

export const SYNC_JOB = 'sync';

/** Accounts reconciled at once by one sync. */
const ACCOUNT_CONCURRENCY = 4;

export type SyncReason = 'api' | 'schedule' | 'startup' | 'follow-up' | 'usage-sample';

export interface SyncJobInput {
  /** null = every provider account. */
  providerAccountId: string | null;
  /** 'sync:all' or 'sync:<accountId>': one queued or running sync per key. */
  dedupeKey: string;
  reason: SyncReason;
  requestId?: string | null;
}

export function syncDedupeKey(providerAccountId: string | null | undefined): string {
  return providerAccountId ? `sync:${providerAccountId}` : 'sync:all';
}

/**
 * The sync job: reconciles one provider account or all of them, up to four at once, with
 * progress, metrics and a clean stop at shutdown. What a reconciliation does is the reconciler's.
 */
@Injectable()
export class SyncJob implements JobHandler<SyncJobInput>, OnModuleInit {
  readonly type = SYNC_JOB;
  private readonly logger = new Logger('SyncJob');

  constructor(
    private readonly runner: JobRunner,
    private readonly reconciler: AccountReconciler,
    private readonly accounts: ProviderAccountsService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<SyncJobInput>): Promise<JobOutcome> {
    const actor: Actor = { keyId: context.createdByKeyId, requestId: context.input.requestId ?? null };
    const all = await this.accounts.allAccounts();
    const targets = context.input.providerAccountId
      ? all.filter((account) => account.id === context.input.providerAccountId)
      : all;
    const results: AccountSyncResult[] = [];
    const done: (AccountSyncResult | undefined)[] = new Array(targets.length);
    const counts = (): Record<string, number> => {
      const total: Record<string, number> = {
        accounts: targets.length,
        accountsSynced: results.filter((result) => result.ok).length,
        accountsFailed: results.filter((result) => !result.ok).length,
      };
      for (const field of COUNT_FIELDS)
        total[field] = results.reduce((sum, result) => sum + result[field], 0);
      return total;
    };
    if (context.input.providerAccountId && targets.length === 0) {
      return {
        counts: counts(),
        results: [],
        error: `No provider account ${context.input.providerAccountId}`,
      };
    }
    // Accounts at once (each has its own limiter and connections): a sync takes as long as its
    // longest account, not the sum. Results keep the accounts' order.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const index = next++;
        const account = targets[index];
        if (context.signal.aborted)
          throw context.signal.reason instanceof Error ? context.signal.reason : new Error('aborted');
        const result = await this.reconciler.reconcile(account, actor, context.signal);
        done[index] = result;
        results.splice(0, results.length, ...done.filter((entry) => entry !== undefined));
        this.observe(result);
        context.progress(counts());
        if (!result.ok)
          this.logger.warn(`Sync of ${account.name} failed: ${result.error?.code} ${result.error?.message}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACCOUNT_CONCURRENCY, targets.length) }, worker));
    const failed = results.filter((result) => !result.ok);
    return {
      counts: counts(),
      results: results as unknown as Prisma.InputJsonValue,
      ...(failed.length > 0
        ? {
            error: `${failed.length} of ${results.length} account(s) not synced: ${failed
              .map((result) => `${result.name}: ${result.error?.code}`)
              .join(', ')}`,
          }
        : {}),
    };
  }

  private observe(result: AccountSyncResult): void {
    this.metrics.syncRuns.inc({ provider: result.provider, outcome: result.ok ? 'ok' : 'error' });
    for (const kind of COUNT_FIELDS) {
      if (kind !== 'listed' && result[kind] > 0)
        this.metrics.syncChanges.inc({ provider: result.provider, kind }, result[kind]);
    }
  }
}
