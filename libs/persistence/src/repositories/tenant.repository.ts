import { Injectable } from '@nestjs/common';
import { Prisma, Tenant } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';
import { isUniqueViolation } from '../unique-violation';
import type { TenantBudget } from '../ledger/tenant-budget';

/** Keyset position: rows strictly after it in (createdAt desc, id desc) order. */
export interface RowPosition {
  createdAt: Date;
  id: string;
}

export function rowsAfter(position: RowPosition | undefined) {
  return position
    ? {
        OR: [
          { createdAt: { lt: position.createdAt } },
          { createdAt: position.createdAt, id: { lt: position.id } },
        ],
      }
    : {};
}

@Injectable()
export class TenantRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<Tenant | null> {
    return this.prisma.client.tenant.findUnique({ where: { id } });
  }

  /** The tenant, its row held until `tx` ends (a change computed from it is not raced by another). */
  async findForUpdate(id: string, tx: Tx): Promise<Tenant | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ id: string }[]>`
      SELECT id FROM tenants WHERE id = ${id} FOR NO KEY UPDATE`;
    return rows.length === 0 ? null : clientOf(this.prisma, tx).tenant.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<Tenant | null> {
    return this.prisma.client.tenant.findUnique({ where: { name } });
  }

  create(data: { id: string; name: string }, tx?: Tx): Promise<Tenant> {
    return clientOf(this.prisma, tx).tenant.create({ data });
  }

  /** Creates the tenant unless it exists; safe when replicas start together. */
  async ensure(data: { id: string; name: string }): Promise<Tenant> {
    const existing = await this.findById(data.id);
    if (existing) return existing;
    try {
      return await this.create(data);
    } catch (error) {
      if (isUniqueViolation(error)) return (await this.findById(data.id))!;
      throw error;
    }
  }

  /** Tenants that have a budget (the budget watcher's list). */
  withBudgets(): Promise<Tenant[]> {
    return this.prisma.client.tenant.findMany({ where: { NOT: { budget: { equals: Prisma.DbNull } } } });
  }

  /** Thresholds and budget (PATCH /v1/tenants/:id). */
  async updateLimits(
    id: string,
    changes: { usageThresholds?: number[]; budget?: TenantBudget | null },
    tx?: Tx,
  ): Promise<Tenant> {
    return clientOf(this.prisma, tx).tenant.update({
      where: { id },
      data: {
        ...(changes.usageThresholds !== undefined ? { usageThresholds: changes.usageThresholds } : {}),
        ...(changes.budget !== undefined
          ? {
              budget:
                changes.budget === null
                  ? Prisma.DbNull
                  : (changes.budget as unknown as Prisma.InputJsonValue),
            }
          : {}),
      },
    });
  }

  /**
   * Marks the tenant's budget as exceeded in `period`, unless it already is: true for the one
   * caller (of every replica's budget check) that marked it. The rest of the budget is left as
   * it is now, an admin's change made meanwhile included.
   */
  async markBudgetExceeded(id: string, period: string, tx?: Tx): Promise<boolean> {
    const marked = await clientOf(this.prisma, tx).$queryRaw<{ id: string }[]>`
      UPDATE tenants SET budget = jsonb_set(budget, '{exceededPeriod}', to_jsonb(${period}::text))
       WHERE id = ${id} AND jsonb_typeof(budget) = 'object'
         AND (budget ->> 'exceededPeriod') IS DISTINCT FROM ${period}::text
      RETURNING id`;
    return marked.length === 1;
  }

  /** `take` rows in (createdAt desc, id desc) order after `after`. */
  list(options: { after?: RowPosition; take: number }): Promise<Tenant[]> {
    return this.prisma.client.tenant.findMany({
      where: rowsAfter(options.after),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }
}
