import type { AmbiguousIntentCommand, Actor, FailIntentCommand } from './ledger';
import { evidenceOf } from './intents';
import { type LedgerContext, record, subUserEntry } from './ledger-context';
import { deleteIntentRow, findRow } from './mapping-rows';

// How an open create intent ends without its create's answer: the call failed (certainly not
// created: the intent goes; maybe created: it stays open, marked unanswered), its window passed
// with no sub-user found (expired), or several sub-users fit it (ambiguous).

export async function failIntent(ctx: LedgerContext, command: FailIntentCommand): Promise<void> {
  const at = new Date();
  await ctx.transaction(async (db) => {
    const row = command.certainlyNotCreated
      ? await deleteIntentRow(db, command.intentId)
      : await findRow(db, command.intentId);
    // Left open for the sync, which now knows no answer is coming (ledger.ts, IntentEvidence).
    if (!command.certainlyNotCreated && row?.lifecycle === 'intent') {
      await db.$executeRaw`UPDATE sub_user_mappings
          SET intent = jsonb_set(intent, '{unansweredAt}', to_jsonb(${at.toISOString()}::text))
        WHERE id = ${command.intentId}::uuid AND lifecycle = 'intent'`;
    }
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
