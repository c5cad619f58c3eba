import { GatewayError } from '@app/domain';
import type { Prisma, SubUserMapping } from '../generated/prisma/client';
import type {
  Actor,
  AmbiguousIntentCommand,
  CompleteIntentCommand,
  FailIntentCommand,
  IntentEvidence,
  OpenIntentCommand,
} from './ledger';
import { evidenceMatches, indistinguishable, passwordCheckOf } from './intent-evidence';
import { type LedgerContext, record, subUserEntry, view } from './ledger-context';
import { isUniqueViolation } from '../unique-violation';
import { assertWithinBudget, budgetOf, tenantAllocation } from './tenant-budget';
import { deleteIntentRow, findRow, insertRow, updateRow } from './mapping-rows';
import { toSnapshot } from './snapshot';
import { usageColumns, usageStepFor } from './usage-writes';
import { storableTextOrNull } from './storable';
import { guardOf } from './transitions';

/** The evidence stored on an intent row. */
export function evidenceOf(row: Pick<SubUserMapping, 'intent'>): Partial<IntentEvidence> {
  return (row.intent as Partial<IntentEvidence> | null) ?? {};
}

/** A stable lock number per account: serialises intent openings on one account, on any replica. */
function accountLockKey(providerAccountId: string): bigint {
  const hex = providerAccountId.replace(/-/g, '').slice(0, 15);
  return BigInt(`0x${hex}`);
}

/** When the intent's create began, and until when a sub-user created by it may appear. */
export function windowOf(row: Pick<SubUserMapping, 'intent' | 'intentExpiresAt' | 'createdAt'>): {
  startedAt: Date;
  expiresAt: Date;
} {
  const started = Date.parse(evidenceOf(row).startedAt ?? '');
  const startedAt = Number.isNaN(started) ? row.createdAt : new Date(started);
  return { startedAt, expiresAt: row.intentExpiresAt ?? startedAt };
}

/** Serialises intent openings on one account and refuses one that could not be told apart. */
async function assertDistinguishable(
  db: Prisma.TransactionClient,
  command: OpenIntentCommand,
): Promise<void> {
  // One opening at a time per account, so two indistinguishable intents cannot both pass.
  await db.$executeRaw`SELECT pg_advisory_xact_lock(${accountLockKey(command.providerAccountId)})`;
  const open = await db.$queryRaw<{ id: string; intent: Prisma.JsonValue }[]>`
    SELECT id, intent FROM sub_user_mappings
     WHERE provider_account_id = ${command.providerAccountId}::uuid AND lifecycle = 'intent' AND id <> ${command.id}::uuid`;
  const next = { echo: command.evidence.echo, proxyPassword: command.proxyPassword };
  if (open.some((row) => indistinguishable(evidenceOf(row), next))) {
    throw new GatewayError(
      'CONFLICT',
      'Another create of a sub-user with these same fields is still being confirmed on this provider account; if both answers were lost the two could not be told apart. Retry when it has finished, or change a field (a different name or password).',
      { extras: { retryAfterSeconds: 5 } },
    );
  }
}

function storedEvidence(command: OpenIntentCommand) {
  return {
    ...command.evidence,
    ...(command.proxyPassword !== undefined ? { password: passwordCheckOf(command.proxyPassword) } : {}),
  };
}

export async function openIntent(ctx: LedgerContext, command: OpenIntentCommand): Promise<SubUserMapping> {
  const at = new Date();
  try {
    return await ctx.transaction(async (db) => {
      await assertDistinguishable(db, command);
      // A tenant with a budget: its row is locked, so two creates cannot both take the last room.
      const budget = await budgetOf(db, command.tenantId);
      if (budget && (await budgetOf(db, command.tenantId, true))) {
        const held = await tenantAllocation(db, command.tenantId);
        assertWithinBudget(budget, held, { adds: true, limitBytes: command.trafficLimitBytes });
      }
      return insertRow(
        db,
        {
          id: command.id,
          tenantId: command.tenantId,
          providerAccountId: command.providerAccountId,
          provider: command.provider,
          lifecycle: 'intent',
          status: 'provisioning',
          name: storableTextOrNull(command.name),
          gatewayNotes: command.gatewayNotes,
          metadata: command.metadata,
          intent: storedEvidence(command),
          intentExpiresAt: command.expiresAt,
          createKey: command.createKey,
        },
        at,
      );
    });
  } catch (error) {
    if (isUniqueViolation(error, 'create_key')) {
      throw new GatewayError(
        'IDEMPOTENCY_IN_PROGRESS',
        'A create with this Idempotency-Key is already under way; retry later',
      );
    }
    throw error;
  }
}

/**
 * A retried create reuses its open intent (the provider held nothing for it): the evidence is
 * the new attempt's (a new password, a new window). Null when the intent was closed meanwhile.
 */
export async function renewIntent(
  ctx: LedgerContext,
  command: OpenIntentCommand,
): Promise<SubUserMapping | null> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    await assertDistinguishable(db, command);
    return updateRow(
      db,
      command.id,
      guardOf('completeIntent'),
      { intent: storedEvidence(command), intentExpiresAt: command.expiresAt },
      at,
      { bumpVersion: false },
    );
  });
}

export async function completeIntent(
  ctx: LedgerContext,
  command: CompleteIntentCommand,
): Promise<SubUserMapping | null> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const intent = await findRow(db, command.intentId);
    if (!intent || intent.lifecycle !== 'intent') return null;
    const evidence = evidenceOf(intent);
    const bySync = command.via === 'sync';
    // Never onto another create's sub-user: the sync's match is checked again here.
    if (bySync && !evidenceMatches(evidence, windowOf(intent), command.subUser)) return null;
    const snapshot = toSnapshot(command.subUser);
    // The first reading of the counter is the usage baseline.
    const usage = usageStepFor(intent, command.subUser, new Map(), at);
    // The request stays as the record of the create; the password digest has done its work.
    const { password: _password, ...kept } = evidence;
    const row = await updateRow(
      db,
      intent.id,
      guardOf('completeIntent'),
      {
        providerSubUserId: command.subUser.providerSubUserId,
        lifecycle: 'active',
        status: command.subUser.status,
        name: snapshot.name ?? intent.name,
        snapshot,
        intent: kept,
        intentExpiresAt: null,
        syncedAt: at,
        ...usageColumns(usage),
      },
      at,
    );
    if (!row) return null;
    const after = view(row);
    await record(
      db,
      [
        subUserEntry(row, {
          action: 'sub-user.created',
          actor: command.actor,
          eventType: 'sub-user.created',
          changes: bySync
            ? {
                after: {
                  ...after,
                  completedBy: 'sync',
                  note: 'the create call’s answer was lost; the sync found the sub-user at the provider',
                },
              }
            : {
                request: evidence.requested,
                ...(evidence.placement ? { placement: evidence.placement } : {}),
                after,
              },
        }),
      ],
      at,
    );
    return row;
  });
}

export async function failIntent(ctx: LedgerContext, command: FailIntentCommand): Promise<void> {
  const at = new Date();
  await ctx.transaction(async (db) => {
    const row = command.certainlyNotCreated
      ? await deleteIntentRow(db, command.intentId)
      : await findRow(db, command.intentId);
    const requested = row ? evidenceOf(row).requested : undefined;
    await record(
      db,
      [
        {
          action: 'sub-user.created',
          targetType: 'sub-user',
          targetId: command.intentId,
          tenantId: command.tenantId,
          actor: command.actor,
          outcome: 'error',
          errorCode: command.failure.code,
          providerRequestId: command.failure.providerRequestId ?? null,
          // An uncertain failure leaves the intent open: the sync completes or expires it.
          changes: {
            request: requested,
            after: command.certainlyNotCreated ? null : { status: 'provisioning', intentOpen: true },
          },
        },
      ],
      at,
    );
  });
}

export async function expireIntent(ctx: LedgerContext, intentId: string, actor: Actor): Promise<boolean> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const row = await deleteIntentRow(db, intentId);
    if (!row) return false;
    const { password: _password, ...intent } = evidenceOf(row);
    await record(
      db,
      [
        subUserEntry(row, {
          action: 'sub-user.intent-expired',
          actor,
          eventType: 'sub-user.intent-expired',
          changes: {
            before: { status: 'provisioning', name: row.name, intent },
            after: {
              status: null,
              reason:
                'the provider holds no matching sub-user after the intent’s window: nothing was created',
            },
          },
        }),
      ],
      at,
    );
    return true;
  });
}

export async function closeAmbiguousIntent(
  ctx: LedgerContext,
  command: AmbiguousIntentCommand,
): Promise<boolean> {
  const at = new Date();
  return ctx.transaction(async (db) => {
    const row = await deleteIntentRow(db, command.intentId);
    if (!row) return false;
    await record(
      db,
      [
        subUserEntry(row, {
          action: 'sub-user.intent-ambiguous',
          actor: command.actor,
          eventType: 'sub-user.intent-ambiguous',
          changes: {
            before: { status: 'provisioning', name: row.name },
            after: { reason: command.reason, intentIds: [row.id], candidates: command.candidates },
          },
        }),
      ],
      at,
    );
    return true;
  });
}
