import { Injectable } from '@nestjs/common';
import { Job, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface NewJob {
  id: string;
  type: string;
  tenantId: string | null;
  createdByKeyId: string | null;
  input: Prisma.InputJsonValue;
}

export interface JobListFilter {
  tenantId?: string;
  type?: string;
  status?: JobStatus;
}

/** Jobs live in the database and are claimed with lease rows (owner + expiry), never session locks. */
@Injectable()
export class JobRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(job: NewJob, tx?: Tx): Promise<Job> {
    return clientOf(this.prisma, tx).job.create({ data: { ...job, status: 'queued' } });
  }

  findById(id: string): Promise<Job | null> {
    return this.prisma.client.job.findUnique({ where: { id } });
  }

  list(
    filter: JobListFilter,
    options: { after?: { createdAt: Date; id: string }; take: number },
  ): Promise<Job[]> {
    const and: Prisma.JobWhereInput[] = [];
    if (filter.tenantId !== undefined) and.push({ tenantId: filter.tenantId });
    if (filter.type !== undefined) and.push({ type: filter.type });
    if (filter.status !== undefined) and.push({ status: filter.status });
    if (options.after) {
      and.push({
        OR: [
          { createdAt: { lt: options.after.createdAt } },
          { createdAt: options.after.createdAt, id: { lt: options.after.id } },
        ],
      });
    }
    return this.prisma.client.job.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }

  /**
   * Claims the oldest runnable job — queued, or running with an expired lease (its owner died) —
   * in one statement; SKIP LOCKED lets several replicas claim at once without taking the same job.
   */
  async claimNext(owner: string, leaseMs: number, types: string[]): Promise<Job | null> {
    if (types.length === 0) return null;
    const rows = await this.prisma.client.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE jobs SET status = 'running', lease_owner = $1,
              lease_expires_at = now() + ($2::int * interval '1 millisecond'),
              attempts = attempts + 1, started_at = COALESCE(started_at, now())
        WHERE id = (
          SELECT id FROM jobs
           WHERE type = ANY($3::text[])
             AND (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
           ORDER BY created_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      owner,
      leaseMs,
      types,
    );
    return rows.length ? this.findById(rows[0].id) : null;
  }

  /** Extends the lease while the owner still holds it; false means another replica took the job over. */
  async heartbeat(
    id: string,
    owner: string,
    leaseMs: number,
    progress?: Prisma.JobUpdateManyMutationInput,
  ): Promise<boolean> {
    const { count } = await this.prisma.client.job.updateMany({
      where: { id, leaseOwner: owner, status: 'running' },
      data: { ...progress, leaseExpiresAt: new Date(Date.now() + leaseMs) },
    });
    return count === 1;
  }

  /**
   * Records the end of a job the owner still holds and returns it as finished; null when the
   * lease was lost. Pass `tx` to announce the end in the same transaction.
   */
  async finish(
    id: string,
    owner: string,
    outcome: {
      status: 'succeeded' | 'failed';
      counts: Prisma.InputJsonValue;
      results: Prisma.InputJsonValue;
      error: string | null;
    },
    tx?: Tx,
  ): Promise<Job | null> {
    const db = clientOf(this.prisma, tx);
    const { count } = await db.job.updateMany({
      where: { id, leaseOwner: owner, status: 'running' },
      data: { ...outcome, finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
    });
    return count === 1 ? db.job.findUnique({ where: { id } }) : null;
  }

  /** Hands running jobs back to the queue (a graceful shutdown that stopped them mid-way). */
  async release(id: string, owner: string): Promise<void> {
    await this.prisma.client.job.updateMany({
      where: { id, leaseOwner: owner, status: 'running' },
      data: { status: 'queued', leaseOwner: null, leaseExpiresAt: null },
    });
  }

  /** Whether a job of this type for this key is queued or running (e.g. one sync per account). */
  async findActive(type: string, dedupeKey: string): Promise<Job | null> {
    return this.prisma.client.job.findFirst({
      where: {
        type,
        status: { in: ['queued', 'running'] },
        input: { path: ['dedupeKey'], equals: dedupeKey },
      },
    });
  }
}
