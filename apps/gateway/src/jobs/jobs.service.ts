import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { IdempotencyRepository, JobRepository, Prisma, Transactions, type Tx } from '@app/persistence';
import { AuthContext, canAccessTenant } from '../access/auth-context';
import { isUuid } from '../common/ids';
import { type IdempotencySlot, answerWithin, answered } from '../idempotency/idempotency.service';
import { DEFAULT_PAGE_LIMIT, Page, decodeCursor, encodeCursor } from '../common/pagination';
import { JobDto, ListJobsQueryDto } from './jobs.dto';
import { JobRunner } from './job-runner.service';
import { toJobDto } from './job-view';

// Lives beside the runner, which announces finished jobs as GET /v1/jobs/:id shows them.
export { toJobDto } from './job-view';

/** The answer of a request that queued a job: where to follow it. */
export interface AcceptedJob {
  id: string;
  type: string;
  status: string;
}

function acceptedOf(job: JobDto): AcceptedJob {
  return { id: job.id, type: job.type, status: job.status };
}

@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly runner: JobRunner,
    private readonly transactions: Transactions,
    private readonly idempotencyRecords: IdempotencyRepository,
  ) {}

  /**
   * Queues a job as the 202 of a request that may carry an Idempotency-Key: the job and the stored
   * answer are one transaction, so a retry after a crash between the two replays this job instead
   * of queuing the whole batch again (its items' create keys are the job's, a new job's are new).
   */
  async enqueueAccepted(
    type: string,
    input: Prisma.InputJsonValue,
    auth: AuthContext,
    idempotency: IdempotencySlot | undefined,
  ): Promise<AcceptedJob> {
    if (!idempotency) return acceptedOf(await this.enqueue(type, input, auth));
    const job = await this.transactions.run(async (tx) => {
      const queued = acceptedOf(await this.enqueue(type, input, auth, undefined, tx));
      await answerWithin(this.idempotencyRecords, idempotency, queued, tx);
      return queued;
    });
    answered(idempotency);
    // Again once committed: the kick inside the transaction came before the job could be seen.
    this.runner.kick();
    return job;
  }

  async enqueue(
    type: string,
    input: Prisma.InputJsonValue,
    auth: AuthContext | null,
    tenantId?: string | null,
    /** Queued with the rest of a transaction's writes (it runs once they are committed). */
    tx?: Tx,
  ): Promise<JobDto> {
    const job = await this.jobs.create(
      {
        id: randomUUID(),
        type,
        tenantId: tenantId !== undefined ? tenantId : (auth?.tenantId ?? null),
        createdByKeyId: auth?.keyId ?? null,
        input,
      },
      tx,
    );
    this.runner.kick();
    return toJobDto(job);
  }

  async get(id: string, auth: AuthContext): Promise<JobDto> {
    const job = isUuid(id) ? await this.jobs.findById(id) : null;
    if (!job || !canAccessTenant(auth, job.tenantId)) throw new GatewayError('NOT_FOUND', `No job ${id}`);
    return toJobDto(job);
  }

  async list(query: ListJobsQueryDto, auth: AuthContext): Promise<Page<JobDto>> {
    const take = query.limit ?? DEFAULT_PAGE_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const rows = await this.jobs.list(
      { tenantId: auth.isAdmin ? undefined : auth.tenantId, status: query.status, type: query.type },
      { after, take: take + 1 },
    );
    const items = rows.slice(0, take);
    return {
      items: items.map(toJobDto),
      nextCursor: rows.length > take ? encodeCursor(items[items.length - 1]) : null,
    };
  }
}
