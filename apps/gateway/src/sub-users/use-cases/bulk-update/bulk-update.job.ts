import { Injectable, OnModuleInit } from '@nestjs/common';
import { GatewayError, isGatewayError } from '@app/domain';
import { ApiKeyRepository, AuditRepository } from '@app/persistence';
import { JobContext, JobHandler, JobOutcome } from '../../../jobs/job-handler';
import { JobRunner } from '../../../jobs/job-runner.service';
import { isUuid } from '../../../common/ids';
import { UpdateSubUserDto } from '../../sub-user.dto';
import type { BulkItemResultDto } from '../../dto/sub-user-bulk.dto';
import { authOfJob, countsOf, eachWithConcurrency, failedItem, validItem } from '../bulk-jobs';
import { ChangeSubUser } from '../change-sub-user/change-sub-user.use-case';

export const BULK_UPDATE_JOB = 'sub-users.bulk-update';

const IN_FLIGHT = 16;

export interface BulkUpdateInput {
  items: Record<string, unknown>[];
  requestId?: string;
}

/**
 * Changes up to 1,000 sub-users, each through the same path as a PATCH (claimed, If-Match
 * honoured). Each item's change is audited under a request id of its own, so a job taken over
 * after a crash tells an item it already applied (its ETag moved on: 412) from a stale one.
 */
@Injectable()
export class BulkUpdateJob implements JobHandler<BulkUpdateInput>, OnModuleInit {
  readonly type = BULK_UPDATE_JOB;

  constructor(
    private readonly runner: JobRunner,
    private readonly keys: ApiKeyRepository,
    private readonly audit: AuditRepository,
    private readonly changeSubUser: ChangeSubUser,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<BulkUpdateInput>): Promise<JobOutcome> {
    const auth = await authOfJob(context, this.keys);
    const { items } = context.input;
    const results: (BulkItemResultDto | undefined)[] = new Array(items.length);
    await eachWithConcurrency(
      items,
      IN_FLIGHT,
      async (item, index) => {
        results[index] = await this.updateOne(context, auth, item, index);
        context.progress(countsOf(items.length, results), results.filter(Boolean) as object[]);
      },
      context.signal,
    );
    return { counts: countsOf(items.length, results), results: results.filter(Boolean) as object[] };
  }

  private async updateOne(
    context: JobContext<BulkUpdateInput>,
    auth: Awaited<ReturnType<typeof authOfJob>>,
    item: Record<string, unknown>,
    index: number,
  ): Promise<BulkItemResultDto> {
    const { id: givenId, ifMatch, ...patch } = item;
    if (!isUuid(givenId)) {
      const message = 'id must be the UUID of a sub-user';
      return failedItem(
        index,
        new GatewayError('VALIDATION_FAILED', message, { fieldErrors: [{ field: 'id', message }] }),
      );
    }
    // The stored spelling: results, and the audit rows a resumed job looks its items up in, use it.
    const id = givenId.toLowerCase();
    if (ifMatch !== undefined && typeof ifMatch !== 'string') {
      const message = 'ifMatch must be an ETag such as "v3"';
      return failedItem(
        index,
        new GatewayError('VALIDATION_FAILED', message, { fieldErrors: [{ field: 'ifMatch', message }] }),
        id,
      );
    }
    const parsed = await validItem(UpdateSubUserDto, patch);
    if ('errors' in parsed) {
      const detail = parsed.errors.map((error) => error.message).join('; ');
      return failedItem(
        index,
        new GatewayError('VALIDATION_FAILED', detail, { fieldErrors: parsed.errors }),
        id,
      );
    }
    const requestId = `${context.input.requestId ?? `job:${context.id}`}:${index}`;
    try {
      await this.changeSubUser.execute({ id, dto: parsed.value, ifMatch, meta: { auth, requestId } });
      return { index, id, outcome: 'updated' };
    } catch (error) {
      // Taken over after a crash: this item's change may already be recorded under its request id.
      if (
        isGatewayError(error) &&
        error.code === 'PRECONDITION_FAILED' &&
        (await this.applied(id, requestId))
      ) {
        return { index, id, outcome: 'updated' };
      }
      return failedItem(index, error, id);
    }
  }

  private async applied(id: string, requestId: string): Promise<boolean> {
    // A change is recorded as `sub-user.updated`, a move to another tenant as `sub-user.moved-in`.
    for (const action of ['sub-user.updated', 'sub-user.moved-in']) {
      const rows = await this.audit.list({ targetId: id, action }, { take: 20 });
      if (rows.some((row) => row.requestId === requestId && row.outcome === 'ok')) return true;
    }
    return false;
  }
}
