import { Injectable } from '@nestjs/common';
import { AuditRepository } from '@app/persistence';
import { AuthContext } from '../access/auth-context';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { AuditEventDto } from './dto/audit-event.dto';

export interface AuditQuery {
  tenantId?: string;
  targetId?: string;
  action?: string;
  actorKeyId?: string;
  since?: Date;
  until?: Date;
  limit?: number;
  cursor?: string;
}

/** Reads the audit log (the ledger writes it). */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** Admins see every tenant (optionally one); other keys only their own tenant's events. */
  async list(auth: AuthContext, query: AuditQuery): Promise<Page<AuditEventDto>> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const tenantId = auth.isAdmin ? query.tenantId : auth.tenantId;
    if (!auth.isAdmin && query.tenantId !== undefined && query.tenantId !== auth.tenantId) {
      return { items: [], nextCursor: null };
    }
    const rows = await this.events.list(
      {
        tenantId,
        targetId: query.targetId,
        action: query.action,
        actorKeyId: query.actorKeyId,
        since: query.since,
        until: query.until,
      },
      { after, take: limit + 1 },
    );
    return toPage(rows, limit, (row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      tenantId: row.tenantId,
      actorKeyId: row.actorKeyId,
      changes: row.changes as Record<string, unknown> | null,
      outcome: row.outcome as 'ok' | 'error',
      errorCode: row.errorCode,
      providerRequestId: row.providerRequestId,
      requestId: row.requestId,
    }));
  }
}
