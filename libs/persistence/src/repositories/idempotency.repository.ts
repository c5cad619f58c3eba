import { Injectable } from '@nestjs/common';
import { IdempotencyRecord } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

export interface IdempotencyScope {
  tenantId: string;
  method: string;
  path: string;
  key: string;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts an `in_progress` record; false when one already exists for the scope. The unique
   * constraint (not a read first) decides the race, so only one of concurrent callers wins.
   */
  async tryStart(
    record: IdempotencyScope & { id: string; requestHash: string; expiresAt: Date; leaseExpiresAt: Date },
  ): Promise<boolean> {
    const { count } = await this.prisma.client.idempotencyRecord.createMany({
      data: [{ ...record, state: 'in_progress' }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  find(scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
    return this.prisma.client.idempotencyRecord.findUnique({ where: { tenantId_method_path_key: scope } });
  }

  async complete(
    id: string,
    response: { status: number; body: string | null; sealed: boolean },
  ): Promise<void> {
    await this.prisma.client.idempotencyRecord.updateMany({
      where: { id, state: 'in_progress' },
      data: {
        state: 'completed',
        responseStatus: response.status,
        responseBody: response.body,
        responseSealed: response.sealed,
      },
    });
  }

  /** Extends the lease of a request still running (false when the record is gone or done). */
  async renew(id: string, leaseExpiresAt: Date): Promise<boolean> {
    const { count } = await this.prisma.client.idempotencyRecord.updateMany({
      where: { id, state: 'in_progress' },
      data: { leaseExpiresAt },
    });
    return count === 1;
  }

  /**
   * Replaces a record that is over (expired, or in progress with its lease run out) with a new
   * claim, in one statement: of two callers that both saw it stale, only one gets the key.
   */
  async takeOver(
    staleId: string,
    now: Date,
    claim: { id: string; requestHash: string; expiresAt: Date; leaseExpiresAt: Date },
  ): Promise<boolean> {
    const count = await this.prisma.client.$executeRaw`
      UPDATE idempotency_records
         SET id = ${claim.id}::uuid, request_hash = ${claim.requestHash}, state = 'in_progress',
             response_status = NULL, response_body = NULL, response_sealed = false,
             created_at = ${now}, expires_at = ${claim.expiresAt}, lease_expires_at = ${claim.leaseExpiresAt}
       WHERE id = ${staleId}::uuid
         AND (expires_at <= ${now}
              OR (state = 'in_progress' AND (lease_expires_at IS NULL OR lease_expires_at < ${now})))`;
    return count === 1;
  }

  /** Removes exactly that record (by id), so a retry runs again; a newer record is left alone. */
  async remove(id: string): Promise<void> {
    await this.prisma.client.idempotencyRecord.deleteMany({ where: { id } });
  }

  async purgeExpired(now: Date): Promise<number> {
    const { count } = await this.prisma.client.idempotencyRecord.deleteMany({
      where: { expiresAt: { lt: now } },
    });
    return count;
  }
}
