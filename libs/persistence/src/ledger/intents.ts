import { GatewayError, canonicalJson } from '@app/domain';
import type { Prisma, SubUserMapping } from '../generated/prisma/client';
import type { CompleteIntentCommand, IntentEvidence, OpenIntentCommand } from './ledger';
import {
  type PasswordCheck,
  evidenceMatches,
  indistinguishable,
  passwordCheckOf,
  passwordMatches,
} from './intent-evidence';
import { type LedgerContext, record, subUserEntry, view } from './ledger-context';
import { isForeignKeyViolation, isUniqueViolation } from '../unique-violation';
import { type TenantAllocation, type TenantBudget, assertWithinBudget } from './tenant-budget';
import {
  type RowChanges,
  findRow,
  mappingColumns,
  mappingRow,
  rowAfter,
  updateRow,
  updateText,
} from './mapping-rows';
import { SqlParams } from '../sql';
import { type ChangeEntry, changeCtes } from './change-log';
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
  if (open.some((row) => indistinguishable(evidenceOf(row), next))) throw indistinguishableCreate();
}

function storedEvidence(command: OpenIntentCommand) {
  return {
    ...command.evidence,
    ...(command.proxyPassword !== undefined ? { password: passwordCheckOf(command.proxyPassword) } : {}),
  };
}

/** What the ledger says when it refuses an intent no later listing could tell apart from another. */
function indistinguishableCreate(): GatewayError {
  return new GatewayError(
    'CONFLICT',
    'Another create of a sub-user with these same fields is still being confirmed on this provider account; if both answers were lost the two could not be told apart. Retry when it has finished, or change a field (a different name or password).',
    { extras: { retryAfterSeconds: 5 } },
  );
}

interface OpenedRow extends SubUserMapping {
  outcome: 'opened' | 'earlier' | 'conflict' | 'check-passwords' | 'over-budget';
  detail: unknown;
}

/**
 * Opens an intent in one round trip: the function `sgw_open_intent` (see its migration) takes the
 * account's lock, checks the open intents and the tenant's budget and inserts, each step its own
 * statement. Passwords never leave this process: when an open intent matches every echo field and
 * both sides sent a password, its salted digest comes back, is compared here, and the call is made
 * again naming the intents this one is told apart from (rare: same fields, same account, at once).
 */
async function openInOneStatement(
  ctx: LedgerContext,
  command: OpenIntentCommand,
): Promise<{ opened: SubUserMapping } | { earlierId: string }> {
  const at = new Date();
  const intent = JSON.stringify(storedEvidence(command));
  const cleared: Record<string, string> = {};
  for (;;) {
    const params = [
      command.id,
      command.tenantId,
      command.providerAccountId,
      command.provider,
      storableTextOrNull(command.name),
      command.gatewayNotes,
      JSON.stringify(command.metadata),
      intent,
      command.expiresAt.toISOString(),
      command.createKey,
      at.toISOString(),
      accountLockKey(command.providerAccountId).toString(),
      JSON.stringify(command.evidence.echo),
      command.proxyPassword !== undefined,
      JSON.stringify(cleared),
      command.trafficLimitBytes === null ? null : String(command.trafficLimitBytes),
      // The lock of the name the provider will hold (creates with other names never collide).
      nameKeyOf(command),
    ];
    let rows: OpenedRow[];
    try {
      rows = await ctx.sql.query<OpenedRow>(
        `SELECT r.outcome, r.detail, ${mappingColumns('(r.opened).')}
           FROM sgw_open_intent($1::uuid, $2::text, $3::uuid, $4::text, $5::text, $6::text, $7::jsonb,
                $8::jsonb, $9::timestamptz, $10::text, $11::timestamptz, $12::bigint, $13::jsonb,
                $14::boolean, $15::jsonb, $16::numeric, $17::text) AS r`,
        params,
      );
    } catch (error) {
      if (isUniqueViolation(error, 'create_key')) throw createKeyInUse();
      // Removed between the caller's look-up and this statement (a create raced the removal).
      if (isForeignKeyViolation(error, 'provider_account_id'))
        throw new GatewayError(
          'VALIDATION_FAILED',
          `providerAccountId: no provider account ${command.providerAccountId}`,
          {
            fieldErrors: [{ field: 'providerAccountId', message: 'no such provider account' }],
          },
        );
      throw error;
    }
    const { outcome, detail, ...row } = rows[0];
    switch (outcome) {
      case 'opened':
        ctx.forget(command.id);
        return { opened: mappingRow(row as SubUserMapping) };
      case 'earlier':
        return { earlierId: (detail as { id: string }).id };
      case 'conflict':
        throw indistinguishableCreate();
      case 'over-budget': {
        const { budget, held } = detail as { budget: TenantBudget; held: TenantAllocation };
        assertWithinBudget(budget, held, { adds: true, limitBytes: command.trafficLimitBytes });
        // The database's rule refused what this process's would not: refuse all the same.
        throw new GatewayError('QUOTA_EXCEEDED', 'The tenant budget has no room for this sub-user');
      }
      case 'check-passwords': {
        const candidates = detail as { id: string; password: PasswordCheck }[];
        for (const candidate of candidates) {
          if (passwordMatches(candidate.password, command.proxyPassword!)) throw indistinguishableCreate();
          cleared[candidate.id] = candidate.password.sha256;
        }
        continue;
      }
    }
  }
}

/** The echo's name as the intent check compares it, or null when the create sets none. */
function nameKeyOf(command: OpenIntentCommand): string | null {
  const name = (command.evidence.echo as { name?: unknown }).name;
  return name === undefined ? null : canonicalJson(name);
}

function createKeyInUse(): GatewayError {
  return new GatewayError(
    'IDEMPOTENCY_IN_PROGRESS',
    'A create with this Idempotency-Key is already under way; retry later',
  );
}

export async function openIntent(ctx: LedgerContext, command: OpenIntentCommand): Promise<SubUserMapping> {
  const result = await openInOneStatement(ctx, command);
  // Another create made a record under this key: the constraint's answer, as before.
  if ('earlierId' in result) throw createKeyInUse();
  return result.opened;
}

export function openIntentUnlessEarlier(
  ctx: LedgerContext,
  command: OpenIntentCommand,
): Promise<{ opened: SubUserMapping } | { earlierId: string }> {
  return openInOneStatement(ctx, command);
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

/** Not a change of the sub-user (no version, audit or event): the key's bookkeeping ends. */
export async function releaseCreateKey(
  ctx: LedgerContext,
  id: string,
  createKey: string,
  madeBefore: Date,
): Promise<boolean> {
  const rows = await ctx.sql.query(
    `UPDATE sub_user_mappings SET create_key = NULL
      WHERE id = $1::uuid AND create_key = $2 AND lifecycle <> 'intent' AND created_at < $3::timestamptz
      RETURNING 1`,
    [id, createKey, madeBefore.toISOString()],
  );
  ctx.forget(id);
  return rows.length === 1;
}

export async function completeIntent(
  ctx: LedgerContext,
  command: CompleteIntentCommand,
): Promise<SubUserMapping | null> {
  if (command.opened && command.via === 'create') {
    const done = await completeOpened(ctx, command, command.opened);
    if (done) return done;
    // The intent is not as it was opened any more (renewed, or closed by a sync): the long way.
  }
  const at = new Date();
  return ctx.transaction(async (db) => {
    const intent = await findRow(db, command.intentId);
    if (!intent || intent.lifecycle !== 'intent') return null;
    const evidence = evidenceOf(intent);
    const bySync = command.via === 'sync';
    // Never onto another create's sub-user: the sync's match is checked again here.
    if (bySync && !evidenceMatches(evidence, windowOf(intent), command.subUser)) return null;
    const { changes, entry } = completion(intent, command, at);
    const row = await updateRow(db, intent.id, guardOf('completeIntent'), changes, at);
    if (!row) return null;
    await record(db, [entry(row)], at);
    return row;
  });
}

/** The columns a completion sets, and its audit line (with the event) for the completed row. */
function completion(
  intent: SubUserMapping,
  command: CompleteIntentCommand,
  at: Date,
): { changes: RowChanges; entry: (row: SubUserMapping) => ChangeEntry } {
  const evidence = evidenceOf(intent);
  const bySync = command.via === 'sync';
  const snapshot = toSnapshot(command.subUser);
  // The first reading of the counter is the usage baseline.
  const usage = usageStepFor(intent, command.subUser, new Map(), at);
  // The request stays as the record of the create; the password digest has done its work.
  const { password: _password, ...kept } = evidence;
  const changes: RowChanges = {
    providerSubUserId: command.subUser.providerSubUserId,
    lifecycle: 'active',
    status: command.subUser.status,
    name: snapshot.name ?? intent.name,
    snapshot,
    intent: kept,
    intentExpiresAt: null,
    syncedAt: at,
    ...usageColumns(usage),
  };
  const entry = (row: SubUserMapping): ChangeEntry => {
    const after = view(row);
    return subUserEntry(row, {
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
    });
  };
  return { changes, entry };
}

/**
 * A create's own completion in one statement: the record (only while it is still the intent as
 * opened: same version, same evidence), its audit row, its event and the event's deliveries, and
 * the request's idempotent answer. The row it makes is known beforehand (the intent plus the
 * columns set, JSON as jsonb stores it), so the answer is rendered before the statement runs.
 * Null when the intent changed meanwhile (nothing written).
 */
async function completeOpened(
  ctx: LedgerContext,
  command: CompleteIntentCommand,
  opened: SubUserMapping,
): Promise<SubUserMapping | null> {
  const at = new Date();
  const { changes, entry } = completion(opened, command, at);
  const row = rowAfter(opened, changes, at);
  const params = new SqlParams();
  const update = updateText(
    opened.id,
    { ...guardOf('completeIntent'), version: opened.version },
    changes,
    at,
    params,
    { returning: 'id' },
  );
  const sameIntent = `${params.add(JSON.stringify(opened.intent))}::jsonb`;
  const ctes = [
    `upd AS (${update.replace(' RETURNING id', ` AND intent = ${sameIntent} RETURNING id`)})`,
    changeCtes([entry(row)], at, params, 'EXISTS (SELECT 1 FROM upd)'),
  ];
  const answer = command.answer;
  if (answer) {
    const stored = answer.render(row);
    ctes.push(`answer AS (
      UPDATE idempotency_records
         SET state = 'completed', response_status = ${params.add(stored.status)}::int,
             response_body = ${params.add(stored.body)}::text, response_sealed = ${params.add(stored.sealed)}::boolean
       WHERE id = ${params.add(answer.recordId)}::uuid AND state = 'in_progress' AND EXISTS (SELECT 1 FROM upd)
      RETURNING 1)`);
  }
  const [result] = await ctx.sql.query<{ updated: number; answered: number }>(
    `WITH ${ctes.join(',\n')}
     SELECT (SELECT count(*) FROM upd)::int AS updated,
            ${answer ? '(SELECT count(*) FROM answer)::int' : '0'} AS answered`,
    params.values,
  );
  ctx.forget(opened.id);
  if (result.updated !== 1) return null;
  if (result.answered === 1) answer?.stored();
  return row;
}
