import { randomUUID } from 'node:crypto';
import type { Prisma, SubUserMapping } from '../generated/prisma/client';
import type {
  Actor,
  ChangeClaim,
  ClaimRefusal,
  RecordFailureCommand,
  RecordProviderActionCommand,
  RecordSuspensionCommand,
  RecordUpdateCommand,
} from './ledger';
import { type LedgerContext, changedFields, record, subUserEntry, view } from './ledger-context';
import { type RowChanges, findRow, updateRow } from './mapping-rows';
import type { ChangeEntry } from './change-log';
import { toSnapshot } from './snapshot';
import type { UsageStep } from './usage';
import {
  addToBuckets,
  bucketDelta,
  thresholdsOf,
  usageColumns,
  usageEntries,
  usageStepFor,
} from './usage-writes';
import { FINAL_STATUSES, guardOf } from './transitions';

/**
 * Claims the right to change a sub-user at its provider: one claim at a time, so two callers
 * holding the same ETag cannot both reach the provider and both answer 200. The claim moves no
 * version (a refused or failed change leaves the ETag as it was) and expires on its own.
 */
export async function claimChange(
  ctx: LedgerContext,
  id: string,
  options: { expectedVersion?: number; ttlMs: number },
): Promise<ChangeClaim | ClaimRefusal> {
  const at = new Date();
  const claimId = randomUUID();
  const row = await updateRow(
    ctx.client,
    id,
    guardOf('claimChange', { version: options.expectedVersion, claimFreeAt: at }),
    { changeClaim: { id: claimId, until: new Date(at.getTime() + options.ttlMs) } },
    at,
    { bumpVersion: false },
  );
  ctx.forget(id);
  if (row) return { record: row, claimId };
  const current = await findRow(ctx.client, id);
  if (!current) return 'not-found';
  if (current.lifecycle === 'intent') return 'being-created';
  if (current.lifecycle === 'deleted' || (FINAL_STATUSES as readonly string[]).includes(current.status))
    return 'final';
  if (options.expectedVersion !== undefined && current.version !== options.expectedVersion)
    return 'precondition-failed';
  return 'busy';
}

export async function releaseChange(ctx: LedgerContext, id: string, claimId: string): Promise<void> {
  await release(ctx.client, id, claimId, new Date());
  ctx.forget(id);
}

function release(
  db: Prisma.TransactionClient | LedgerContext['client'],
  id: string,
  claimId: string,
  at: Date,
) {
  return updateRow(db, id, { claimId }, { changeClaim: null }, at, { bumpVersion: false });
}

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

/** The usage an answer showed: its bytes counted, its thresholds announced. */
async function recordUsage(
  db: Prisma.TransactionClient,
  row: SubUserMapping,
  usage: UsageStep | null,
  actor: Actor,
  at: Date,
): Promise<ChangeEntry[]> {
  if (!usage) return [];
  await addToBuckets(db, bucketDelta(row, usage), at);
  return usageEntries(row, usage, actor);
}

export async function recordUpdate(
  ctx: LedgerContext,
  command: RecordUpdateCommand,
): Promise<SubUserMapping | null> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const before = await findRow(db, command.id);
    const answer = await reported(db, before, command.subUser, at);
    const changes: RowChanges = { ...answer.changes, changeClaim: null };
    if (command.metadata !== undefined) changes.metadata = command.metadata;
    if (command.gatewayNotes !== undefined) changes.gatewayNotes = command.gatewayNotes;
    if (command.gatewayName !== undefined) changes.name = command.gatewayName;
    if (command.tenantId !== undefined) changes.tenantId = command.tenantId;
    if (command.suspension !== undefined) changes.suspension = command.suspension;
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
    const beforeView = view(before);
    await record(
      db,
      [
        subUserEntry(row, {
          action: 'sub-user.updated',
          actor: command.actor,
          changes: { request: command.request, before: beforeView, after: view(row) },
          eventType: 'sub-user.updated',
          eventChanges: changedFields(beforeView, view(row)),
        }),
        ...(await recordUsage(db, row, answer.usage, command.actor, at)),
      ],
      at,
    );
    return row;
  });
}

export async function recordProviderAction(
  ctx: LedgerContext,
  command: RecordProviderActionCommand,
): Promise<SubUserMapping> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const answer = await reported(db, await findRow(db, command.id), command.subUser, at);
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
    const before = await findRow(db, command.id);
    const status = suspending ? 'suspended' : command.subUser.status;
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
      },
      at,
    );
    if (!row || !before) {
      await release(db, command.id, command.claimId, at);
      return null;
    }
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
      ],
      at,
    );
    return row;
  });
}
