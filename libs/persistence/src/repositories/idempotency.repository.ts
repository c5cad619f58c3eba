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
    record: IdempotencyScope & { id: string; requestHash: string; expiresAt: Date },
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
