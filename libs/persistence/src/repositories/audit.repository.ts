import { Injectable } from '@nestjs/common';
import { AuditEvent, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { RowPosition, rowsAfter } from './tenant.repository';

type Db = Prisma.TransactionClient;

export interface NewAuditEvent {
  id: string;
  action: string;
  targetType: string;
  targetId: string | null;
  tenantId: string | null;
  actorKeyId: string | null;
  changes: Prisma.InputJsonValue | null;
  outcome: string;
  errorCode: string | null;
  providerRequestId: string | null;
  requestId: string | null;
}

export interface AuditEventFilter {
  tenantId?: string;
  targetId?: string;
  action?: string;
  actorKeyId?: string;
  since?: Date;
  until?: Date;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(event: NewAuditEvent, db: Db = this.prisma.client): Promise<void> {
    await db.auditEvent.create({
      data: { ...event, changes: event.changes === null ? Prisma.DbNull : event.changes },
    });
  }

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
