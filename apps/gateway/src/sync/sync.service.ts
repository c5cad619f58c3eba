import { Injectable } from '@nestjs/common';
import { GatewayError, isGatewayError } from '@app/domain';
import { JobRepository } from '@app/persistence';
import { AuthContext } from '../access/auth-context';
import { JobDto } from '../jobs/jobs.dto';
import { JobsService, toJobDto } from '../jobs/jobs.service';
import { ProviderAccountsService } from '../provider-accounts/provider-accounts.service';
import { SYNC_JOB, SyncJobInput, SyncReason, syncDedupeKey } from './sync.job';

export interface SyncTrigger {
  job: JobDto;
  /** An equivalent sync was already queued or running: that job is returned instead of a new one. */
  existing: boolean;
}

/** Starts syncs: at most one queued or running sync per account (or for all accounts). */
@Injectable()
export class SyncService {
  constructor(
    private readonly jobs: JobsService,
    private readonly jobRows: JobRepository,
    private readonly accounts: ProviderAccountsService,
  ) {}

  async trigger(
    providerAccountId: string | null | undefined,
    reason: SyncReason,
    auth: AuthContext | null,
    requestId: string | null = null,
  ): Promise<SyncTrigger> {
    const accountId = providerAccountId ?? null;
    if (accountId) await this.assertAccount(accountId);
    // A sync of every account covers this one too.
    const active =
      (await this.jobRows.findActive(SYNC_JOB, syncDedupeKey(null))) ??
      (accountId ? await this.jobRows.findActive(SYNC_JOB, syncDedupeKey(accountId)) : null);
    if (active) return { job: toJobDto(active), existing: true };
    const input: SyncJobInput = {
      providerAccountId: accountId,
      dedupeKey: syncDedupeKey(accountId),
      reason,
      requestId,
    };
    // Syncs belong to no tenant: only admins see them.
    const job = await this.jobs.enqueue(SYNC_JOB, { ...input }, auth, null);
    return { job, existing: false };
  }

  private async assertAccount(id: string): Promise<void> {
    try {
      await this.accounts.get(id);
    } catch (error) {
      if (isGatewayError(error) && error.code === 'NOT_FOUND') {
        throw new GatewayError('VALIDATION_FAILED', `providerAccountId: no provider account ${id}`, {
          fieldErrors: [{ field: 'providerAccountId', message: 'no such provider account' }],
        });
      }
      throw error;
    }
  }
}
