import { storedSnapshot } from '@app/domain';
import type { Prisma, PrismaClient, SubUserMapping } from '../generated/prisma/client';
import type { ChangeEntry } from './change-log';
import { driftOf } from './drift';
import type { Actor, MarkDeletedCommand, SnapshotOutcome, SnapshotReport } from './ledger';
import { type LedgerContext, record, subUserEntry } from './ledger-context';
import { type RowChanges, findRow, rowAfter, updateRow, updateText } from './mapping-rows';
import { SqlParams } from '../sql';
import { changeCtes } from './change-log';
import { sameSnapshot, toSnapshot } from './snapshot';
import { storableTextOrNull } from './storable';
import { guardOf } from './transitions';
import {
  type BucketDelta,
  addToBuckets,
  bucketDelta,
  thresholdsOf,
  usageColumns,
  usageEntries,
  usageStepFor,
} from './usage-writes';

type Db = Prisma.TransactionClient | PrismaClient;

/** What one report wrote: the new row (null when a newer write won), its audit lines, its bytes. */
interface ReportEffect {
  row: SubUserMapping | null;
  drift: boolean;
  entries: ChangeEntry[];
  buckets: BucketDelta[];
}

/**
 * Writes one report if the record is still at the version it was read at: the snapshot, the usage
 * the counter shows since the last observation, the drift a person made at the provider.
 */
async function applyReport(
  db: Db,
  report: SnapshotReport,
  actor: Actor,
  at: Date,
  thresholds: Map<string, number[]>,
): Promise<ReportEffect> {
  const { record: before } = report;
  // Nothing leaves `deleting`: a report of a sub-user being deleted refreshes its data only.
  const beingDeleted = before.status === 'deleting';
  // A suspended sub-user is suspended by the gateway: the provider still calls it active.
  const keptStatus = beingDeleted
    ? 'deleting'
    : before.status === 'suspended' && report.subUser.status === 'active'
      ? 'suspended'
      : report.subUser.status;
  const subUser = { ...report.subUser, status: keptStatus };
  const snapshot = toSnapshot(subUser);
  // A provider that reports the sub-user on its way out may move it to `deleting`, never back.
  const transition = beingDeleted
    ? 'refreshDeleting'
    : subUser.status === 'deleting'
      ? 'markDeleting'
      : 'applySnapshot';
  const usage = usageStepFor(before, subUser, thresholds, at);
  const row = await updateRow(
    db,
    before.id,
    guardOf(transition, { version: before.version }),
    {
      snapshot,
      status: subUser.status,
      ...(snapshot.name !== null ? { name: storableTextOrNull(snapshot.name) } : {}),
      syncedAt: at,
      ...usageColumns(usage),
    },
    at,
  );
  if (!row) return { row: null, drift: false, entries: [], buckets: [] };
  const entries = usageEntries(row, usage, actor);
  const drift = driftOf(storedSnapshot(before), snapshot);
  if (drift) {
    entries.unshift(
      subUserEntry(row, {
        action: 'sub-user.drift',
        actor,
        changes: { before: drift.before, after: drift.after },
        eventType: 'sub-user.drift-detected',
        eventChanges: drift,
      }),
    );
  }
  return { row, drift: drift !== null, entries, buckets: bucketDelta(row, usage) };
}

export async function applySnapshot(
  ctx: LedgerContext,
  report: SnapshotReport,
  actor: Actor,
): Promise<SubUserMapping> {
  const { record: before, subUser } = report;
  // Nothing changed: no write on the read path.
  if (sameSnapshot(before.snapshot, toSnapshot(subUser)) && before.status === subUser.status) return before;
  const at = new Date();
  return ctx.transaction(async (db) => {
    const effect = await applyReport(db, report, actor, at, await thresholdsOf(db, [before.tenantId]));
    await addToBuckets(db, effect.buckets, at);
    await record(db, effect.entries, at);
    return effect.row ?? (await findRow(db, before.id)) ?? before;
  });
}

/**
 * A sync batch in one transaction. Should the batch fail (a value the database refuses that the
 * storable escaping did not foresee), each report is retried alone and a report that still fails
 * is refused with an audit line: one sub-user never stops the sync of its account.
 */
export async function applySnapshots(
  ctx: LedgerContext,
  reports: SnapshotReport[],
  actor: Actor,
  at: Date,
): Promise<SnapshotOutcome[]> {
  const applyAll = (batch: SnapshotReport[]) =>
    ctx.transaction(async (db) => {
      const thresholds = await thresholdsOf(
        db,
        batch.map((report) => report.record.tenantId),
      );
      const outcomes: SnapshotOutcome[] = [];
      const entries: ChangeEntry[] = [];
      const buckets: BucketDelta[] = [];
      for (const report of batch) {
        const effect = await applyReport(db, report, actor, at, thresholds);
        outcomes.push({ id: report.record.id, applied: effect.row !== null, drift: effect.drift });
        entries.push(...effect.entries);
        buckets.push(...effect.buckets);
      }
      await addToBuckets(db, buckets, at);
      await record(db, entries, at);
      return outcomes;
    });
  try {
    return await applyAll(reports);
  } catch {
    if (reports.length === 1) {
      await refuseReport(ctx, reports[0], actor, at);
      return [{ id: reports[0].record.id, applied: false, drift: false }];
    }
    const outcomes: SnapshotOutcome[] = [];
    for (const report of reports) outcomes.push(...(await applySnapshots(ctx, [report], actor, at)));
    return outcomes;
  }
}

async function refuseReport(ctx: LedgerContext, report: SnapshotReport, actor: Actor, at: Date) {
  await record(
    ctx.client,
    [
      subUserEntry(report.record, {
        action: 'sub-user.report-refused',
        actor,
        outcome: 'error',
        errorCode: 'UNSTORABLE',
        changes: {
          reason: 'the provider reported a value the database cannot store; the last snapshot is kept',
        },
      }),
    ],
    at,
  );
}

export async function markSynced(ctx: LedgerContext, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  // Confirmation only: no version bump, no updatedAt (nothing the caller sees changed).
  await ctx.sql.query('UPDATE sub_user_mappings SET synced_at = $1::timestamptz WHERE id = ANY($2::uuid[])', [
    at.toISOString(),
    ids,
  ]);
  ctx.forget();
}

/** The columns a delete sets, and its audit line for the row before and after. */
function deletion(before: SubUserMapping, command: MarkDeletedCommand, at: Date) {
  const snapshot = storedSnapshot(before);
  const changes: RowChanges = {
    status: command.status,
    lifecycle: command.status === 'deleted' ? 'deleted' : 'active',
    ...(snapshot ? { snapshot: toSnapshot({ ...snapshot, status: command.status }) } : {}),
    ...(command.confirmedBy ? { syncedAt: at } : {}),
  };
  const transition = command.status === 'deleting' ? 'markDeleting' : 'markDeleted';
  const action = command.action ?? 'sub-user.deleted';
  const eventType =
    action === 'sub-user.vanished' ? action : command.status === 'deleting' ? 'sub-user.deleting' : action;
  // The provider carried the delete out: recorded even when a concurrent call already moved
  // the record there; announced only by the call that moved it.
  const entry = (row: SubUserMapping, changed: boolean): ChangeEntry =>
    subUserEntry(row, {
      action,
      actor: command.actor,
      changes: {
        before: { status: before.status },
        after: {
          status: row.status,
          ...(command.confirmedBy ? { confirmedBy: command.confirmedBy } : {}),
          ...(command.reason ? { reason: command.reason } : {}),
        },
      },
      ...(changed ? { eventType } : {}),
    });
  return { changes, transition, entry } as const;
}

/**
 * A delete of the record as the caller read it, in one statement (row, audit row, event and its
 * deliveries), while the record is still at that version. Null when it moved (nothing written).
 */
async function markReadDeleted(
  ctx: LedgerContext,
  command: MarkDeletedCommand,
  before: SubUserMapping,
): Promise<SubUserMapping | null> {
  const at = new Date();
  const { changes, transition, entry } = deletion(before, command, at);
  const row = rowAfter(before, changes, at);
  const params = new SqlParams();
  const update = updateText(
    command.id,
    guardOf(transition, { version: before.version }),
    changes,
    at,
    params,
    {
      returning: 'id',
    },
  );
  const syncedAt =
    before.syncedAt === null
      ? 'synced_at IS NULL'
      : `synced_at = ${params.add(before.syncedAt.toISOString())}::timestamptz`;
  const ctes = [
    `upd AS (${update.replace(' RETURNING id', ` AND ${syncedAt} RETURNING id`)})`,
    changeCtes([entry(row, true)], at, params, 'EXISTS (SELECT 1 FROM upd)'),
  ];
  const [result] = await ctx.sql.query<{ updated: number }>(
    `WITH ${ctes.join(',\n')} SELECT (SELECT count(*) FROM upd)::int AS updated`,
    params.values,
  );
  ctx.forget(command.id);
  return result.updated === 1 ? row : null;
}

export async function markDeleted(
  ctx: LedgerContext,
  command: MarkDeletedCommand,
): Promise<{ record: SubUserMapping; changed: boolean }> {
  if (command.before && command.expectedVersion === undefined) {
    const row = await markReadDeleted(ctx, command, command.before);
    if (row) return { record: row, changed: true };
  }
  const at = new Date();
  return ctx.transaction(async (db) => {
    const before = await findRow(db, command.id);
    if (!before) throw new Error(`sub-user ${command.id} vanished from the ledger`);
    const { changes, transition, entry } = deletion(before, command, at);
    const changed = await updateRow(
      db,
      command.id,
      guardOf(transition, { version: command.expectedVersion }),
      changes,
      at,
    );
    // A confirmation that lost to a newer write records nothing.
    if (!changed && command.expectedVersion !== undefined) return { record: before, changed: false };
    const row = changed ?? before;
    await record(db, [entry(row, changed !== null)], at);
    return { record: row, changed: changed !== null };
  });
}

export async function markUnknown(
  ctx: LedgerContext,
  before: SubUserMapping,
  actor: Actor,
): Promise<SubUserMapping | null> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const row = await updateRow(
      db,
      before.id,
      guardOf('markUnknown', { version: before.version }),
      { status: 'unknown' },
      at,
    );
    if (!row) return null;
    await record(
      db,
      [
        subUserEntry(row, {
          action: 'sub-user.unknown',
          actor,
          changes: {
            before: { status: before.status },
            after: { status: 'unknown', reason: 'the provider answered that it has no such sub-user' },
          },
          eventType: 'sub-user.unknown',
        }),
      ],
      at,
    );
    return row;
  });
}
