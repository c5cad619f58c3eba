import { Injectable, OnModuleInit } from '@nestjs/common';
import { GatewayError } from '@app/domain';
import { ApiKeyRepository } from '@app/persistence';
import { JobContext, JobHandler, JobOutcome } from '../../../jobs/job-handler';
import { JobRunner } from '../../../jobs/job-runner.service';
import { CreateSubUserDto, type PlacementDto } from '../../sub-user.dto';
import type { BulkItemResultDto } from '../../dto/sub-user-bulk.dto';
import { authOfJob, countsOf, eachWithConcurrency, failedItem, validItem } from '../bulk-jobs';
import { CreateSubUser } from '../create-sub-user/create-sub-user.use-case';

export const BULK_CREATE_JOB = 'sub-users.bulk-create';

/** Items in flight at once: enough to keep every account's limiter busy at its published rate. */
const IN_FLIGHT = 16;

export interface BulkCreateInput {
  items: Record<string, unknown>[];
  placement?: PlacementDto;
  requestId?: string;
}

/**
 * Creates up to 1,000 sub-users, each through the same path as a single create (intent first,
 * placement, lost answers resolved), paced by each account's limiter. Every item carries a key of
 * its own (`bulk:<job>:<index>`): a job taken over after a crash finds what it already created
 * instead of creating it twice.
 */
@Injectable()
export class BulkCreateJob implements JobHandler<BulkCreateInput>, OnModuleInit {
  readonly type = BULK_CREATE_JOB;

  constructor(
    private readonly runner: JobRunner,
    private readonly keys: ApiKeyRepository,
    private readonly createSubUser: CreateSubUser,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<BulkCreateInput>): Promise<JobOutcome> {
    const auth = await authOfJob(context, this.keys);
    const { items, placement } = context.input;
    const results: (BulkItemResultDto | undefined)[] = new Array(items.length);
    const report = () =>
      context.progress(countsOf(items.length, results), results.filter(Boolean) as object[]);
    await eachWithConcurrency(
      items,
      IN_FLIGHT,
      async (item, index) => {
        results[index] = await this.createOne(context, auth, item, index, placement);
        report();
      },
      context.signal,
    );
    return { counts: countsOf(items.length, results), results: results.filter(Boolean) as object[] };
  }

  private async createOne(
    context: JobContext<BulkCreateInput>,
    auth: Awaited<ReturnType<typeof authOfJob>>,
    item: Record<string, unknown>,
    index: number,
    placement: PlacementDto | undefined,
  ): Promise<BulkItemResultDto> {
    const body = placement && !item.providerAccountId && !item.placement ? { ...item, placement } : item;
    const parsed = await validItem(CreateSubUserDto, body);
    if ('errors' in parsed) {
      const detail = parsed.errors.map((error) => error.message).join('; ');
      return failedItem(index, new GatewayError('VALIDATION_FAILED', detail, { fieldErrors: parsed.errors }));
    }
    try {
      const { subUser } = await this.createSubUser.execute({
        dto: parsed.value,
        meta: {
          auth,
          requestId: `${context.input.requestId ?? `job:${context.id}`}:${index}`,
          idempotencyKey: `bulk:${context.id}:${index}`,
        },
      });
      return { index, id: subUser.id, outcome: 'created' };
    } catch (error) {
      return failedItem(index, error);
    }
  }
}
