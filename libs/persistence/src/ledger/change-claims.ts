import { randomUUID } from 'node:crypto';
import type { Prisma, SubUserMapping } from '../generated/prisma/client';
import type { ChangeClaim, ClaimOptions, ClaimRefusal } from './ledger';
import type { LedgerContext } from './ledger-context';
import { findRow, mappingColumns, mappingRows, updateRow, updateText } from './mapping-rows';
import { SqlParams } from '../sql';
import { FINAL_STATUSES, guardOf } from './transitions';
import { assertWithinBudget, budgetBinds, budgetOf, heldLimitOf, tenantAllocation } from './tenant-budget';

/**
 * Claims the right to change a sub-user at its provider: one claim at a time, so two callers
 * holding the same ETag cannot both reach the provider and both answer 200. The claim moves no
 * version (a refused or failed change leaves the ETag as it was) and expires on its own. A claim
 * that sets a traffic limit or moves the sub-user to another tenant reserves it: where the
 * tenant's budget limits that, it is checked with the tenant's row locked, against what every
 * other sub-user and change in flight holds, in the claim's transaction (a claim refused as busy
 * or stale is told so before any budget is looked at).
 */
export async function claimChange(
  ctx: LedgerContext,
  id: string,
  options: ClaimOptions,
): Promise<ChangeClaim | ClaimRefusal> {
  const at = new Date();
  const claimId = randomUUID();
  const params = new SqlParams();
  const reserve = options.reserve;
  // The tenant's usage thresholds come back with the row: the change's answer is then recorded
  // in one statement (recordUpdate).
  const text = updateText(
    id,
    guardOf('claimChange', { version: options.expectedVersion, claimFreeAt: at }),
    {
      changeClaim: {
        id: claimId,
        until: new Date(at.getTime() + options.ttlMs),
        ...(reserve?.limitBytes !== undefined ? { limitBytes: reserve.limitBytes } : {}),
        ...(reserve?.movesIn ? { tenantId: reserve.tenantId } : {}),
      },
    },
    at,
    params,
    {
      bumpVersion: false,
      returning: `${mappingColumns()}, (SELECT t.usage_thresholds FROM tenants t WHERE t.id = tenant_id) AS "tenantThresholds"`,
    },
  );
  // Most tenants have no budget: their claim stays one statement.
  const [claimed] =
    reserve && budgetBinds(await budgetOf(ctx.client, reserve.tenantId), reserve)
      ? await ctx.transaction(async (db) => {
          const budget = await budgetOf(db, reserve.tenantId, true);
          const rows = await mappingRows(db, text, params.values);
          if (rows.length === 0 || !budgetBinds(budget, reserve)) return rows;
          const held = await tenantAllocation(db, reserve.tenantId, id);
          // A move without a new limit brings the one the sub-user holds.
          const limitBytes =
            reserve.limitBytes !== undefined
              ? reserve.limitBytes
              : reserve.movesIn
                ? await heldLimitOf(db, id)
                : undefined;
          assertWithinBudget(budget, held, { adds: reserve.movesIn === true, limitBytes });
          return rows;
        })
      : await mappingRows(ctx.sql, text, params.values);
  ctx.forget(id);
  if (claimed) {
    const { tenantThresholds, ...record } = claimed as SubUserMapping & { tenantThresholds: number[] | null };
    return { record: record as SubUserMapping, claimId, thresholds: tenantThresholds ?? [] };
  }
  const current = await findRow(ctx.sql, id);
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

export function release(
  db: Prisma.TransactionClient | LedgerContext['client'],
  id: string,
  claimId: string,
  at: Date,
) {
  return updateRow(db, id, { claimId }, { changeClaim: null }, at, { bumpVersion: false });
}
