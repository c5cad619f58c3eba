import { Injectable } from '@nestjs/common';
import { OutboxEvent, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { RowPosition } from './tenant.repository';

export interface EventFilter {
  /** undefined: every tenant (admin keys). */
  tenantId?: string;
  types?: string[];
  subjectId?: string;
  since?: Date;
}

/** Reads of the event feed (the outbox); the ledger is its only writer. */
@Injectable()
export class EventRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Newest first, `take` rows after the position (occurredAt desc, id desc). */
  list(filter: EventFilter, options: { after?: RowPosition; take: number }): Promise<OutboxEvent[]> {
    const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
    if (filter.tenantId !== undefined) conditions.push(Prisma.sql`tenant_id = ${filter.tenantId}`);
    if (filter.types?.length) conditions.push(Prisma.sql`type IN (${Prisma.join(filter.types)})`);
    if (filter.subjectId !== undefined) conditions.push(Prisma.sql`subject_id = ${filter.subjectId}`);
    if (filter.since) conditions.push(Prisma.sql`occurred_at >= ${filter.since}`);
    if (options.after) {
      conditions.push(
        Prisma.sql`(occurred_at, id) < (${options.after.createdAt}, ${options.after.id}::uuid)`,
      );
    }
    return this.prisma.client.$queryRaw<OutboxEvent[]>`
      SELECT id, seq, type, occurred_at AS "occurredAt", tenant_id AS "tenantId",
             subject_type AS "subjectType", subject_id AS "subjectId", data, changes
        FROM outbox_events
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY occurred_at DESC, id DESC
       LIMIT ${options.take}`;
  }

  findById(id: string): Promise<OutboxEvent | null> {
    return this.prisma.client.outboxEvent.findUnique({ where: { id } });
  }
}
