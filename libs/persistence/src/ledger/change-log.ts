import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { Actor } from './ledger';
import { redactSecrets } from './redact';
import { type SqlClient, SqlParams } from '../sql';
import { storable } from './storable';

type Db = Prisma.TransactionClient | PrismaClient;

/** One line of the audit log, and optionally the event that announces it. */
export interface ChangeEntry {
  action: string;
  targetType: string;
  targetId: string | null;
  tenantId: string | null;
  actor: Actor;
  outcome: 'ok' | 'error';
  errorCode?: string | null;
  providerRequestId?: string | null;
  changes?: unknown;
  event?: { type: string; data: unknown; changes?: unknown };
}

interface AuditRow {
  id: string;
  actor_key_id: string | null;
  tenant_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changes: unknown;
  outcome: string;
  error_code: string | null;
  provider_request_id: string | null;
  request_id: string | null;
}

interface EventRow {
  id: string;
  type: string;
  tenant_id: string | null;
  subject_type: string;
  subject_id: string;
  data: unknown;
  changes: unknown;
}

/** Secrets removed, then made storable: what the audit log and the outbox may hold. */
function clean(value: unknown): unknown {
  return value === undefined || value === null ? null : storable(redactSecrets(value));
}

/** The audit rows and events of `entries`, as the statements below insert them. */
function rowsOf(entries: ChangeEntry[]): { audits: AuditRow[]; events: EventRow[] } {
  const audits: AuditRow[] = [];
  const events: EventRow[] = [];
  for (const entry of entries) {
    audits.push({
      id: randomUUID(),
      actor_key_id: entry.actor.keyId,
      tenant_id: entry.tenantId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      changes: clean(entry.changes),
      outcome: entry.outcome,
      error_code: entry.errorCode ?? null,
      provider_request_id: entry.providerRequestId ?? null,
      request_id: entry.actor.requestId,
    });
    if (entry.event && entry.targetId !== null) {
      events.push({
        id: randomUUID(),
        type: entry.event.type,
        tenant_id: entry.tenantId,
        subject_type: entry.targetType,
        subject_id: entry.targetId,
        data: clean(entry.event.data) ?? {},
        changes: clean(entry.event.changes),
      });
    }
  }
  return { audits, events };
}

/**
 * Audit rows, outbox events and their deliveries to every enabled endpoint that wants them (the
 * endpoint's tenant, or an all-tenant endpoint), as three CTEs of one statement. `when`: a
 * condition on the statement's other CTEs (e.g. that the record's conditional UPDATE applied),
 * so the change, its audit row and its event are written together or not at all.
 */
export function changeCtes(
  entries: ChangeEntry[],
  at: Date,
  params: SqlParams,
  when = 'true',
  options: { onlyTargetsIn?: string } = {},
): string {
  const { audits, events } = rowsOf(entries);
  // `onlyTargetsIn`: a CTE of ids (e.g. the rows an INSERT ... ON CONFLICT DO NOTHING made): only
  // their audit rows and events are written.
  const audited = options.onlyTargetsIn
    ? `${when} AND r.target_id::uuid IN (SELECT id FROM ${options.onlyTargetsIn})`
    : when;
  const announced = options.onlyTargetsIn
    ? `${when} AND e.subject_id::uuid IN (SELECT id FROM ${options.onlyTargetsIn})`
    : when;
  const stamp = params.add(at.toISOString());
  return `audit AS (
       INSERT INTO audit_events (id, created_at, actor_key_id, tenant_id, action, target_type, target_id,
              changes, outcome, error_code, provider_request_id, request_id)
       SELECT r.id, ${stamp}::timestamptz, r.actor_key_id, r.tenant_id, r.action, r.target_type, r.target_id,
              r.changes, r.outcome, r.error_code, r.provider_request_id, r.request_id
         FROM jsonb_to_recordset(${params.add(JSON.stringify(audits))}::jsonb) AS r(id uuid, actor_key_id text,
              tenant_id text, action text, target_type text, target_id text, changes jsonb, outcome text,
              error_code text, provider_request_id text, request_id text)
        WHERE ${audited}
       RETURNING 1),
     event AS (
       INSERT INTO outbox_events (id, type, occurred_at, tenant_id, subject_type, subject_id, data, changes)
       SELECT e.id, e.type, ${stamp}::timestamptz, e.tenant_id, e.subject_type, e.subject_id, e.data, e.changes
         FROM jsonb_to_recordset(${params.add(JSON.stringify(events))}::jsonb) AS e(id uuid, type text,
              tenant_id text, subject_type text, subject_id text, data jsonb, changes jsonb)
        WHERE ${announced}
       RETURNING id, seq, type, tenant_id, subject_id),
     delivery AS (
       INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_seq, event_type, subject_id, status,
              next_attempt_at, created_at)
       SELECT gen_random_uuid(), w.id, event.id, event.seq, event.type, event.subject_id, 'pending',
              ${stamp}::timestamptz, ${stamp}::timestamptz
         FROM event JOIN webhook_endpoints w
           ON w.enabled
          AND (w.tenant_id IS NULL OR w.tenant_id = event.tenant_id)
          AND (cardinality(w.event_types) = 0 OR event.type = ANY (w.event_types))
       RETURNING 1)`;
}

/**
 * The one writer of `audit_events` and `outbox_events` (and the webhook deliveries an event
 * fans out to): the ledger calls it inside the transaction of the change it records. One
 * statement for any number of entries, so a sync batch costs one round trip.
 */
export async function writeChanges(db: Db, entries: ChangeEntry[], at: Date = new Date()): Promise<void> {
  if (entries.length === 0) return;
  const params = new SqlParams();
  const ctes = changeCtes(entries, at, params);
  await db.$executeRawUnsafe(`WITH ${ctes} SELECT 1`, ...params.values);
}

/** The same statement on the plain SQL client: a change recorded on its own (its own transaction). */
export async function writeChangesSql(
  sql: SqlClient,
  entries: ChangeEntry[],
  at: Date = new Date(),
): Promise<void> {
  if (entries.length === 0) return;
  const params = new SqlParams();
  const ctes = changeCtes(entries, at, params);
  await sql.query(`WITH ${ctes} SELECT 1`, params.values);
}
