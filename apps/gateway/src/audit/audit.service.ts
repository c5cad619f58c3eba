import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '@app/persistence/generated/prisma/client';
import { AuditRepository } from '@app/persistence/repositories/audit.repository';
import { AuthContext } from '../access/auth-context';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { AuditEventDto } from './dto/audit-event.dto';
import { redactSecrets } from './redact';

export interface AuditEventInput {
  /** What happened, `<target>.<verb>`, e.g. 'sub-user.created'. */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Defaults to the actor's tenant; null for changes that belong to no tenant. */
  tenantId?: string | null;
  actor?: AuthContext | null;
  /** Secrets are removed before writing (see redactSecrets). */
  changes?: { before?: unknown; after?: unknown; request?: unknown } | null;
  outcome: 'ok' | 'error';
  errorCode?: string | null;
  providerRequestId?: string | null;
  requestId?: string | null;
}

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

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** Writes one event; pass `tx` to commit it together with the change it describes. */
  async record(input: AuditEventInput, tx?: Prisma.TransactionClient): Promise<void> {
    const changes =
      input.changes == null ? null : (redactSecrets(input.changes) as Prisma.InputJsonValue | null);
    await this.events.create(
      {
        id: randomUUID(),
        action: input.action,
        targetType: input.targetType,
        targetId: input.targetId ?? null,
        tenantId: input.tenantId !== undefined ? input.tenantId : (input.actor?.tenantId ?? null),
        actorKeyId: input.actor?.keyId ?? null,
        changes,
        outcome: input.outcome,
        errorCode: input.errorCode ?? null,
        providerRequestId: input.providerRequestId ?? null,
        requestId: input.requestId ?? null,
      },
      tx,
    );
  }

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
