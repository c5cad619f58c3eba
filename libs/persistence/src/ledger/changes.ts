import type { SubUserView } from '@app/domain';
import type { Prisma, SubUserMapping } from '../generated/prisma/client';
import type {
  Actor,
  ChangeClaim,
  RecordFailureCommand,
  RecordProviderActionCommand,
  RecordSuspensionCommand,
  RecordUpdateCommand,
} from './ledger';
import { type LedgerContext, changedFields, record, subUserEntry, view } from './ledger-context';
import { type RowChanges, findRow, rowAfter, updateRow, updateText } from './mapping-rows';
import { type ChangeEntry, changeCtes } from './change-log';
import { release } from './change-claims';
import { SqlParams } from '../sql';
import { toSnapshot } from './snapshot';
import type { UsageStep } from './usage';
import {
  addToBuckets,
  bucketDelta,
  bucketsCte,
  thresholdsOf,
  usageColumns,
  usageEntries,
  usageStepFor,
} from './usage-writes';
import { guardOf } from './transitions';

/**
 * Columns a provider's answer sets (a name the provider has no field for stays the gateway's; a
 * suspended sub-user stays suspended), and the usage its counter shows since the last observation.
 */
async function reported(
  db: Prisma.TransactionClient,
  before: SubUserMapping | null,
  subUser: RecordUpdateCommand['subUser'],
  at: Date,
): Promise<{ changes: RowChanges; usage: UsageStep | null }> {
  if (!subUser || !before) return { changes: {}, usage: null };
  const status = before.status === 'suspended' && subUser.status === 'active' ? 'suspended' : subUser.status;
  const snapshot = toSnapshot({ ...subUser, status });
  const usage = usageStepFor(before, subUser, await thresholdsOf(db, [before.tenantId]), at);
  return {
    changes: {
      snapshot,
      status,
      ...(snapshot.name !== null ? { name: snapshot.name } : {}),
      syncedAt: at,
      ...usageColumns(usage),
    },
    usage,
  };
}

/** The columns a PATCH's outcome sets besides what the provider answered. */
function requestedChanges(command: RecordUpdateCommand): RowChanges {
  const changes: RowChanges = { changeClaim: null };
  if (command.metadata !== undefined) changes.metadata = command.metadata;
  if (command.gatewayNotes !== undefined) changes.gatewayNotes = command.gatewayNotes;
  if (command.gatewayName !== undefined) changes.name = command.gatewayName;
  if (command.tenantId !== undefined) changes.tenantId = command.tenantId;
  if (command.suspension !== undefined) changes.suspension = command.suspension;
  return changes;
}

/** The audit line (and event) of an update, and what its usage owes. */
function updateEntries(
  before: SubUserMapping,
  row: SubUserMapping,
  command: RecordUpdateCommand,
  usage: UsageStep | null,
): ChangeEntry[] {
  const beforeView = view(before);
  const usageLines = usage ? usageEntries(row, usage, command.actor) : [];
  if (before.tenantId !== row.tenantId) return [...moveEntries(beforeView, row, command), ...usageLines];
  return [
    subUserEntry(row, {
      action: 'sub-user.updated',
      actor: command.actor,
      changes: { request: command.request, before: beforeView, after: view(row) },
      eventType: 'sub-user.updated',
      eventChanges: changedFields(beforeView, view(row)),
    }),
    ...usageLines,
  ];
}

/**
 * An admin's move to another tenant, told to each tenant in its own terms: the tenant left gets
 * `sub-user.moved-out` with the sub-user as it knew it, the tenant entered `sub-user.moved-in`
 * with the sub-user as it is now. Neither sees the other's values (metadata, notes before the
 * move) or id, in its events or its audit log; the admin's feed holds both.
 */
function moveEntries(
  beforeView: SubUserView,
  row: SubUserMapping,
  command: RecordUpdateCommand,
): ChangeEntry[] {
  const left: ChangeEntry = {
    action: 'sub-user.moved-out',
    targetType: 'sub-user',
    targetId: row.id,
    tenantId: beforeView.tenantId,
    actor: command.actor,
    outcome: 'ok',
    changes: { before: beforeView },
    event: { type: 'sub-user.moved-out', data: beforeView, changes: null },
  };
  const entered = subUserEntry(row, {
    action: 'sub-user.moved-in',
    actor: command.actor,
    changes: { request: command.request, after: view(row) },
    eventType: 'sub-user.moved-in',
    eventChanges: null,
  });
  return [left, entered];
}

/**
 * A PATCH's outcome in one statement, while the record is as the claim found it (same version,
 * same confirmation time, claim held): the row it makes is computed beforehand, so its audit row,
 * event, deliveries and usage buckets go in the same statement. Null when the record moved (nothing
 * written): the caller takes the long way.
 */
async function recordClaimedUpdate(
  ctx: LedgerContext,
  command: RecordUpdateCommand,
  claimed: ChangeClaim,
): Promise<SubUserMapping | null> {
  const at = new Date();
  const before = claimed.record;
  let changes = requestedChanges(command);
  let usage: UsageStep | null = null;
  if (command.subUser) {
    const status =
      before.status === 'suspended' && command.subUser.status === 'active'
        ? 'suspended'
        : command.subUser.status;
    const snapshot = toSnapshot({ ...command.subUser, status });
    usage = usageStepFor(before, command.subUser, new Map([[before.tenantId, claimed.thresholds ?? []]]), at);
    changes = {
      snapshot,
      status,
      ...(snapshot.name !== null ? { name: snapshot.name } : {}),
      syncedAt: at,
      ...usageColumns(usage),
      ...changes,
    };
  }
  const row = rowAfter(before, changes, at);
  const params = new SqlParams();
  const guard = { ...guardOf('recordChange', { claimId: command.claimId }), version: before.version };
  const update = updateText(command.id, guard, changes, at, params, { returning: 'id' });
  const syncedAt =
    before.syncedAt === null
      ? 'synced_at IS NULL'
      : `synced_at = ${params.add(before.syncedAt.toISOString())}::timestamptz`;
  const ctes = [
    `upd AS (${update.replace(' RETURNING id', ` AND ${syncedAt} RETURNING id`)})`,
    changeCtes(updateEntries(before, row, command, usage), at, params, 'EXISTS (SELECT 1 FROM upd)'),
  ];
  const buckets = usage ? bucketDelta(row, usage) : [];
  if (buckets.length > 0) ctes.push(bucketsCte(buckets, at, params, 'EXISTS (SELECT 1 FROM upd)'));
  const [result] = await ctx.sql.query<{ updated: number }>(
    `WITH ${ctes.join(',\n')} SELECT (SELECT count(*) FROM upd)::int AS updated`,
    params.values,
  );
  ctx.forget(command.id);
  return result.updated === 1 ? row : null;
}

export async function recordUpdate(
  ctx: LedgerContext,
  command: RecordUpdateCommand,
): Promise<SubUserMapping | null> {
  if (command.claimed) {
    const done = await recordClaimedUpdate(ctx, command, command.claimed);
    if (done) return done;
  }
  const at = new Date();
  return ctx.transaction(async (db) => {
    const before = await findRow(db, command.id, true);
    const answer = await reported(db, before, command.subUser, at);
    const changes: RowChanges = { ...answer.changes, ...requestedChanges(command) };
    const row = await updateRow(
      db,
      command.id,
      guardOf('recordChange', { claimId: command.claimId }),
      changes,
      at,
    );
    if (!row || !before) {
      // A delete won the race: the claim goes, nothing else changes.
      await release(db, command.id, command.claimId, at);
      return null;
    }
    if (answer.usage) await addToBuckets(db, bucketDelta(row, answer.usage), at);
    await record(db, updateEntries(before, row, command, answer.usage), at);
    return row;
  });
}

export async function recordProviderAction(
  ctx: LedgerContext,
  command: RecordProviderActionCommand,
): Promise<SubUserMapping> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const answer = await reported(db, await findRow(db, command.id, true), command.subUser, at);
    const changed = await updateRow(
      db,
      command.id,
      guardOf('recordChange', { claimId: command.claimId }),
      { ...answer.changes, changeClaim: null },
      at,
    );
    // Deleted meanwhile: the provider did act, so the action is still recorded, on the row as it is.
    const row = changed ?? (await findRow(db, command.id))!;
    if (!changed) await release(db, command.id, command.claimId, at);
    await record(
      db,
      [subUserEntry(row, { action: command.action, actor: command.actor, eventType: command.action })],
      at,
    );
    return row;
  });
}

export async function recordFailure(ctx: LedgerContext, command: RecordFailureCommand): Promise<void> {
  const at = new Date();
  await ctx.transaction(async (db) => {
    if (command.claimId) await release(db, command.id, command.claimId, at);
    await record(
      db,
      [
        {
          action: command.action,
          targetType: 'sub-user',
          targetId: command.id,
          tenantId: command.tenantId,
          actor: command.actor,
          outcome: 'error',
          errorCode: command.failure.code,
          providerRequestId: command.failure.providerRequestId ?? null,
          changes: command.request ? { request: command.request } : null,
        },
      ],
      at,
    );
  });
}

export async function recordAccess(
  ctx: LedgerContext,
  row: SubUserMapping,
  action: string,
  actor: Actor,
): Promise<void> {
  await record(ctx.client, [subUserEntry(row, { action, actor })], new Date());
}

export async function recordSuspension(
  ctx: LedgerContext,
  command: RecordSuspensionCommand,
): Promise<SubUserMapping | null> {
  const at = new Date();
  const suspending = command.suspension !== null;
  return ctx.transaction(async (db) => {
    const before = await findRow(db, command.id, true);
    const status = suspending ? 'suspended' : command.subUser.status;
    // The provider's answer shows its usage counter too: what was used since the last observation
    // is counted here, or a later reset of the counter would lose it. Observed as suspended: the
    // lowered limit crosses no threshold.
    const usage = before
      ? usageStepFor(
          { ...before, status: 'suspended' },
          command.subUser,
          await thresholdsOf(db, [before.tenantId]),
          at,
        )
      : null;
    const row = await updateRow(
      db,
      command.id,
      guardOf(suspending ? 'suspend' : 'resume', { claimId: command.claimId }),
      {
        snapshot: toSnapshot({ ...command.subUser, status }),
        status,
        suspension: command.suspension,
        syncedAt: at,
        changeClaim: null,
        ...(usage ? usageColumns(usage) : {}),
      },
      at,
    );
    if (!row || !before) {
      await release(db, command.id, command.claimId, at);
      return null;
    }
    if (usage) await addToBuckets(db, bucketDelta(row, usage), at);
    const action = suspending ? 'sub-user.suspended' : 'sub-user.resumed';
    const beforeView = view(before);
    await record(
      db,
      [
        subUserEntry(row, {
          action,
          actor: command.actor,
          changes: {
            before: { status: before.status, suspension: before.suspension },
            after: { status, suspension: command.suspension },
          },
          eventType: action,
          eventChanges: changedFields(beforeView, view(row)),
        }),
        ...(usage ? usageEntries(row, usage, command.actor) : []),
      ],
      at,
    );
    return row;
  });
}
