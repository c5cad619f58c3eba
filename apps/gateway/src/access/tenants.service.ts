import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import {
  Ledger,
  type Tenant,
  type TenantBudget,
  TenantRepository,
  Transactions,
  isUniqueViolation,
} from '@app/persistence';
import { Page, PaginationQueryDto, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { AuthContext } from './auth-context';
import { CreateTenantDto, TenantDto, UpdateTenantDto } from './dto/tenant.dto';

export function toTenantDto(row: Tenant): TenantDto {
  const { exceededPeriod: _announced, ...budget } = (row.budget as unknown as TenantBudget | null) ?? {};
  return {
    id: row.id,
    name: row.name,
    usageThresholds: row.usageThresholds,
    budget: row.budget ? (budget as TenantDto['budget']) : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * A budget as PATCHed: this period's overuse, already announced (and acted on with onExceed:
 * suspend), stays announced unless the traffic budget itself changed; saving the budget again with
 * another change must not suspend sub-users the tenant has resumed since.
 */
function budgetKeepingAnnouncement(before: Tenant, budget: object): TenantBudget {
  const previous = before.budget as unknown as TenantBudget | null;
  const next = { ...budget } as TenantBudget;
  if (
    previous?.exceededPeriod !== undefined &&
    previous.maxTrafficBytes === next.maxTrafficBytes &&
    (previous.onExceed ?? 'notify') === (next.onExceed ?? 'notify')
  )
    next.exceededPeriod = previous.exceededPeriod;
  return next;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
  ) {}

  async create(auth: AuthContext, input: CreateTenantDto, requestId: string): Promise<TenantDto> {
    const conflict = () => new GatewayError('CONFLICT', `A tenant named "${input.name}" already exists`);
    if (await this.tenants.findByName(input.name)) throw conflict();
    try {
      const row = await this.transactions.run(async (tx) => {
        const created = await this.tenants.create({ id: randomUUID(), name: input.name }, tx);
        await this.ledger.recordChange(
          {
            action: 'tenant.created',
            targetType: 'tenant',
            targetId: created.id,
            tenantId: created.id,
            actor: { keyId: auth.keyId, requestId },
            changes: { after: toTenantDto(created) },
            outcome: 'ok',
          },
          tx,
        );
        return created;
      });
      return toTenantDto(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict();
      throw error;
    }
  }

  /** Thresholds and budget; the change is audited and announced (tenant.updated). */
  async update(auth: AuthContext, id: string, input: UpdateTenantDto, requestId: string): Promise<TenantDto> {
    const before = await this.tenants.findById(id);
    if (!before) throw new GatewayError('NOT_FOUND', `No tenant ${id}`);
    const thresholds =
      input.usageThresholds !== undefined
        ? [...new Set(input.usageThresholds)].sort((a, b) => a - b)
        : undefined;
    const row = await this.transactions.run(async (tx) => {
      // Read again with the row held: the budget watcher's mark of this period (made meanwhile)
      // is then either seen and kept, or made after this change.
      const current = (await this.tenants.findForUpdate(id, tx)) ?? before;
      const updated = await this.tenants.updateLimits(
        id,
        {
          ...(thresholds !== undefined ? { usageThresholds: thresholds } : {}),
          ...(input.budget !== undefined
            ? { budget: input.budget === null ? null : budgetKeepingAnnouncement(current, input.budget) }
            : {}),
        },
        tx,
      );
      await this.ledger.recordChange(
        {
          action: 'tenant.updated',
          targetType: 'tenant',
          targetId: id,
          tenantId: id,
          actor: { keyId: auth.keyId, requestId },
          changes: { before: toTenantDto(before), after: toTenantDto(updated), request: { ...input } },
          announce: { type: 'tenant.updated', data: toTenantDto(updated) },
        },
        tx,
      );
      return updated;
    });
    return toTenantDto(row);
  }

  async list(query: PaginationQueryDto): Promise<Page<TenantDto>> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.tenants.list({ after, take: limit + 1 });
    return toPage(rows, limit, toTenantDto);
  }
}
