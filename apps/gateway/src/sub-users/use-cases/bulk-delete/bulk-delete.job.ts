import { Injectable, OnModuleInit } from '@nestjs/common';
import { isGatewayError, storedSnapshot } from '@app/domain';
import { BulkDeleteItemResult, emulateBulkDelete } from '@app/providers';
import {
  type Actor,
  ApiKeyRepository,
  Ledger,
  SubUserMappingRepository,
  type SubUserRecord,
} from '@app/persistence';
import { JobContext, JobHandler, JobOutcome } from '../../../jobs/job-handler';
import { JobRunner } from '../../../jobs/job-runner.service';
import { keyOfJob } from '../bulk-jobs';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';

export const BULK_DELETE_JOB = 'sub-users.bulk-delete';

export type BulkDeleteItemOutcome = 'deleted' | 'deleting' | 'skipped' | 'notFound' | 'failed';

export interface BulkDeleteItem {
  id: string;
  outcome: BulkDeleteItemOutcome;
  error?: { code: string; message: string };
}

interface BulkDeleteInput {
  ids: string[];
  requestId?: string;
}

/**
 * Deletes up to 1,000 sub-users across providers: the caller's ids are grouped by provider
 * account, each account uses its provider's native bulk delete or a bounded fan-out, and every
 * id gets its own outcome, mapping update and audit event.
 */
@Injectable()
export class BulkDeleteJob implements JobHandler<BulkDeleteInput>, OnModuleInit {
  readonly type = BULK_DELETE_JOB;

  constructor(
    private readonly runner: JobRunner,
    private readonly mappings: SubUserMappingRepository,
    private readonly keys: ApiKeyRepository,
    private readonly accounts: ProviderAccountsService,
    private readonly ledger: Ledger,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<BulkDeleteInput>): Promise<JobOutcome> {
    const ids = [...new Set(context.input.ids)];
    const actor: Actor = { keyId: context.createdByKeyId, requestId: context.input.requestId ?? null };
    const isAdmin = await this.isAdminJob(context);
    const results = new Map<string, BulkDeleteItem>();
    const byAccount = new Map<string, SubUserRecord[]>();

    for (const mapping of await this.mappings.findManyByIds(ids)) {
      if (!isAdmin && mapping.tenantId !== context.tenantId) continue; // another tenant's: notFound
      if (mapping.lifecycle === 'deleted' || mapping.status === 'deleted' || mapping.status === 'deleting') {
        results.set(mapping.id, {
          id: mapping.id,
          outcome: 'skipped',
          error: { code: 'CONFLICT', message: `already ${mapping.status}` },
        });
      } else if (mapping.lifecycle === 'intent' || !mapping.providerSubUserId) {
        results.set(mapping.id, {
          id: mapping.id,
          outcome: 'skipped',
          error: { code: 'CONFLICT', message: 'still being created' },
        });
      } else if (storedSnapshot(mapping)?.isDefault) {
        results.set(mapping.id, {
          id: mapping.id,
          outcome: 'skipped',
          error: { code: 'CONFLICT', message: 'the provider’s default sub-user cannot be deleted' },
        });
      } else {
        const group = byAccount.get(mapping.providerAccountId) ?? [];
        group.push(mapping);
        byAccount.set(mapping.providerAccountId, group);
      }
    }

    const progress = () => context.progress(countOf(ids.length, [...results.values()]));
    await Promise.all(
      [...byAccount.entries()].map(async ([accountId, group]) => {
        const byProviderId = new Map(group.map((mapping) => [mapping.providerSubUserId!, mapping]));
        let outcomes: BulkDeleteItemResult[];
        try {
          const { driver } = await this.accounts.resolve(accountId);
          const providerIds = [...byProviderId.keys()];
          outcomes = driver.bulkDelete
            ? await driver.bulkDelete(providerIds, { priority: 'user' })
            : await emulateBulkDelete(providerIds, (id) => driver.delete(id, { priority: 'user' }));
        } catch (error) {
          const code = isGatewayError(error) ? error.code : 'INTERNAL';
          const message = isGatewayError(error) ? error.detail : 'unexpected error';
          for (const mapping of group) {
            const item: BulkDeleteItem = { id: mapping.id, outcome: 'failed', error: { code, message } };
            results.set(mapping.id, item);
            await this.recordFailure(mapping, item, actor);
          }
          progress();
          return;
        }
        for (const outcome of outcomes) {
          const mapping = byProviderId.get(outcome.id);
          if (!mapping) continue;
          const item = await this.apply(mapping, outcome, actor);
          results.set(mapping.id, item);
          if (item.outcome === 'failed') await this.recordFailure(mapping, item, actor);
          progress();
        }
      }),
    );

    const items: BulkDeleteItem[] = ids.map(
      (id) =>
        results.get(id) ?? {
          id,
          outcome: 'notFound',
          error: { code: 'NOT_FOUND', message: `No sub-user ${id}` },
        },
    );
    return { counts: countOf(ids.length, items), results: items as unknown as object[] };
  }

  private async apply(
    mapping: SubUserRecord,
    outcome: BulkDeleteItemResult,
    actor: Actor,
  ): Promise<BulkDeleteItem> {
    switch (outcome.outcome) {
      case 'deleted':
      case 'deleting':
        await this.ledger.markDeleted({ id: mapping.id, status: outcome.outcome, actor });
        return { id: mapping.id, outcome: outcome.outcome };
      case 'not_found':
        // Gone at the provider already: the record follows.
        await this.ledger.markDeleted({
          id: mapping.id,
          status: 'deleted',
          actor,
          action: 'sub-user.vanished',
        });
        return {
          id: mapping.id,
          outcome: 'notFound',
          error: { code: 'PROVIDER_NOT_FOUND', message: 'the provider no longer had it' },
        };
      case 'skipped':
        return { id: mapping.id, outcome: 'skipped', ...(outcome.error ? { error: outcome.error } : {}) };
      default:
        return {
          id: mapping.id,
          outcome: 'failed',
          error: outcome.error ?? { code: 'INTERNAL', message: 'failed' },
        };
    }
  }

  /** Every change attempted has its audit event, failures included. */
  private recordFailure(mapping: SubUserRecord, item: BulkDeleteItem, actor: Actor): Promise<void> {
    return this.ledger.recordFailure({
      id: mapping.id,
      tenantId: mapping.tenantId,
      action: 'sub-user.deleted',
      failure: { code: item.error?.code ?? 'INTERNAL' },
      request: { bulkDelete: true },
      actor,
    });
  }

  private async isAdminJob(context: JobContext<BulkDeleteInput>): Promise<boolean> {
    if (!context.createdByKeyId) return true;
    return (await keyOfJob(context.createdByKeyId, this.keys)).scopes.includes('admin');
  }
}

function countOf(requested: number, items: BulkDeleteItem[]): Record<string, number> {
  const counts = { requested, deleted: 0, skipped: 0, notFound: 0, failed: 0 };
  for (const item of items) {
    if (item.outcome === 'deleted' || item.outcome === 'deleting') counts.deleted += 1;
    else counts[item.outcome] += 1;
  }
  return counts;
}
