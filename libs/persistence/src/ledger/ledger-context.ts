import { type SubUserView, toSubUserView } from '@app/domain';
import type { Prisma, PrismaClient, SubUserMapping } from '../generated/prisma/client';
import type { SqlClient } from '../sql';
import { type ChangeEntry, writeChanges } from './change-log';

type Db = Prisma.TransactionClient | PrismaClient;

/** What every part of the ledger works with. */
export interface LedgerContext {
  client: PrismaClient;
  /** Plain SQL on the same connections: the single-statement writes of the hot paths. */
  sql: SqlClient;
  /** Runs `work` in one transaction and drops cached reads of what it wrote. */
  transaction<T>(work: (db: Prisma.TransactionClient) => Promise<T>): Promise<T>;
  /** Drops this process's cached read of a record (after a write outside a transaction). */
  forget(id?: string): void;
}

export function view(row: SubUserMapping): SubUserView {
  return toSubUserView(row);
}

/** The fields of two views that differ, as {before, after} (timestamps of the write left out). */
export function changedFields(
  before: SubUserView,
  after: SubUserView,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const ignored = new Set(['updatedAt', 'syncedAt']);
  const changes = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const key of Object.keys(after) as (keyof SubUserView)[]) {
    if (ignored.has(key)) continue;
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changes.before[key] = before[key];
    changes.after[key] = after[key];
  }
  return changes;
}

/** An audit line about one sub-user, announced as `eventType` with the record after the change. */
export function subUserEntry(
  row: SubUserMapping,
  entry: Omit<ChangeEntry, 'targetType' | 'targetId' | 'tenantId' | 'outcome' | 'event'> & {
    eventType?: string;
    eventChanges?: unknown;
    outcome?: 'ok' | 'error';
  },
): ChangeEntry {
  const { eventType, eventChanges, ...rest } = entry;
  return {
    targetType: 'sub-user',
    targetId: row.id,
    tenantId: row.tenantId,
    outcome: 'ok',
    ...rest,
    ...(eventType ? { event: { type: eventType, data: view(row), changes: eventChanges } } : {}),
  };
}

export function record(db: Db, entries: ChangeEntry[], at: Date): Promise<void> {
  return writeChanges(db, entries, at);
}
