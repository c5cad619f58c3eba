import { GatewayError } from '@app/domain';
import type { Prisma, PrismaClient } from '../generated/prisma/client';

type Db = Prisma.TransactionClient | PrismaClient;

/** A tenant's optional limits (PATCH /v1/tenants/:id {budget}). */
export interface TenantBudget {
  maxSubUsers?: number;
  /** Traffic the tenant's sub-users may hold (their limits) and use in one period. */
  maxTrafficBytes?: number;
  period: 'month';
  onExceed?: 'notify' | 'suspend';
  /** The period whose overuse was last announced (set by the budget watcher). */
  exceededPeriod?: string;
}

/** What a tenant holds now: live sub-users and the traffic their limits allocate. */
export interface TenantAllocation {
  subUsers: number;
  allocatedBytes: number;
  /** Some sub-user has no limit: the allocation is unbounded. */
  unlimited: boolean;
}

/**
 * Counted from the records by the database (sgw_tenant_allocation, one definition with the
 * creates'): a suspended sub-user holds the limit it gets back on resume, an open intent the limit
 * its create asked for, a change in flight the larger of its limit and the one it asks for.
 */
export async function tenantAllocation(
  db: Db,
  tenantId: string,
  exceptId?: string,
): Promise<TenantAllocation> {
  const rows = await db.$queryRaw<
    { sub_users: number; allocated: string | null; unlimited: boolean | null }[]
  >`SELECT sub_users, allocated::text AS allocated, unlimited
      FROM sgw_tenant_allocation(${tenantId}, ${exceptId ?? null}::uuid)`;
  const row = rows[0];
  return {
    subUsers: row.sub_users,
    allocatedBytes: Number(row.allocated ?? 0),
    unlimited: row.unlimited ?? false,
  };
}

/**
 * The tenant's budget; `lock` holds its row until the transaction ends, so budget checks of the
 * tenant run one at a time (FOR NO KEY UPDATE: a sub-user being recorded into the tenant, whose
 * foreign key check takes the row FOR KEY SHARE, is not held up by it, nor can it deadlock with it).
 */
export async function budgetOf(db: Db, tenantId: string, lock = false): Promise<TenantBudget | null> {
  const rows = lock
    ? await db.$queryRaw<
        { budget: TenantBudget | null }[]
      >`SELECT budget FROM tenants WHERE id = ${tenantId} FOR NO KEY UPDATE`
    : await db.$queryRaw<
        { budget: TenantBudget | null }[]
      >`SELECT budget FROM tenants WHERE id = ${tenantId}`;
  return rows[0]?.budget ?? null;
}

/** The traffic limit a sub-user's record holds against its tenant's budget (sgw_held_limit); null: unlimited. */
export async function heldLimitOf(db: Db, id: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ held: string | null }[]>`
    SELECT sgw_held_limit(m)::text AS held FROM sub_user_mappings m WHERE m.id = ${id}::uuid`;
  const held = rows[0]?.held ?? null;
  return held === null || held === 'null' ? null : Number(held);
}

/** Whether a budget limits a change: a new traffic limit, or a move into the tenant. */
export function budgetBinds(
  budget: TenantBudget | null,
  change: { limitBytes?: number | null; movesIn?: boolean },
): budget is TenantBudget {
  if (!budget) return false;
  if (change.movesIn) return budget.maxSubUsers !== undefined || budget.maxTrafficBytes !== undefined;
  return budget.maxTrafficBytes !== undefined && change.limitBytes !== undefined;
}

/**
 * Refuses (422 QUOTA_EXCEEDED) a sub-user the budget has no room for: one more than maxSubUsers,
 * or a limit that would take the tenant's allocation past maxTrafficBytes (an unlimited one
 * included). `change`: the sub-user's new limit (undefined = keeps its current one).
 */
export function assertWithinBudget(
  budget: TenantBudget,
  held: TenantAllocation,
  change: { adds: boolean; limitBytes: number | null | undefined },
): void {
  if (change.adds && budget.maxSubUsers !== undefined && held.subUsers + 1 > budget.maxSubUsers) {
    throw new GatewayError(
      'QUOTA_EXCEEDED',
      `The tenant's budget allows ${budget.maxSubUsers} sub-users and it has ${held.subUsers}`,
      { extras: { budget: 'maxSubUsers', limit: budget.maxSubUsers, current: held.subUsers } },
    );
  }
  if (budget.maxTrafficBytes === undefined || change.limitBytes === undefined) return;
  if (change.limitBytes === null || held.unlimited) {
    throw new GatewayError(
      'QUOTA_EXCEEDED',
      'The tenant has a traffic budget: every sub-user needs a traffic limit (not unlimited)',
      {
        fieldErrors: [{ field: 'trafficLimit', message: 'required (not unlimited) under a traffic budget' }],
      },
    );
  }
  if (held.allocatedBytes + change.limitBytes > budget.maxTrafficBytes) {
    throw new GatewayError(
      'QUOTA_EXCEEDED',
      `This limit would allocate ${held.allocatedBytes + change.limitBytes} bytes; the tenant's budget is ${budget.maxTrafficBytes}`,
      {
        fieldErrors: [{ field: 'trafficLimit', message: 'exceeds what the tenant budget has left' }],
        extras: { budget: 'maxTrafficBytes', limit: budget.maxTrafficBytes, allocated: held.allocatedBytes },
      },
    );
  }
}
