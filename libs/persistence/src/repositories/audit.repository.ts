import { Injectable } from '@nestjs/common';
import { AuditEvent, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { RowPosition, rowsAfter } from './tenant.repository';

export interface AuditEventFilter {
  tenantId?: string;
  targetId?: string;
  action?: string;
  actorKeyId?: string;
  since?: Date;
  until?: Date;
}

/** Reads of the audit log; the ledger is its only writer. */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(filter: AuditEventFilter, options: { after?: RowPosition; take: number }): Promise<AuditEvent[]> {
    const createdAt: Prisma.DateTimeFilter = {};
    if (filter.since) createdAt.gte = filter.since;
    if (filter.until) createdAt.lt = filter.until;
    return this.prisma.client.auditEvent.findMany({
      where: {
        AND: [
          {
            ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
            ...(filter.targetId !== undefined ? { targetId: filter.targetId } : {}),
            ...(filter.action !== undefined ? { action: filter.action } : {}),
            ...(filter.actorKeyId !== undefined ? { actorKeyId: filter.actorKeyId } : {}),
            ...(filter.since || filter.until ? { createdAt } : {}),
          },
          rowsAfter(options.after),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }
}
