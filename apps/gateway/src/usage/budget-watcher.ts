import { Injectable, Logger } from '@nestjs/common';
import { Ledger, type TenantBudget, TenantRepository, Transactions, UsageRepository } from '@app/persistence';
import { JobsService } from '../jobs/jobs.service';
import { SUSPEND_TENANT_JOB } from '../sub-users/use-cases/suspend-sub-user/suspend-tenant.job';

/** The calendar month (UTC) a budget period is: its key and where it begins. */
export function currentPeriod(now = new Date()): { key: string; start: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { key: start.toISOString().slice(0, 7), start };
}

/**
 * Tenants over their traffic budget this period: announced once per period
 * (`tenant.budget-exceeded`, audited), and with `onExceed: suspend` their sub-users are suspended
 * by a job.
 */
@Injectable()
export class BudgetWatcher {
  private readonly logger = new Logger('BudgetWatcher');

  constructor(
    private readonly tenants: TenantRepository,
    private readonly usage: UsageRepository,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly jobs: JobsService,
  ) {}

  async check(now = new Date()): Promise<number> {
    const period = currentPeriod(now);
    const budgeted = (await this.tenants.withBudgets()).filter(
      (tenant) => (tenant.budget as unknown as TenantBudget).maxTrafficBytes !== undefined,
    );
    const used = await this.usage.usedByTenant(
      budgeted.map((tenant) => tenant.id),
      period.start,
    );
    let exceeded = 0;
    for (const tenant of budgeted) {
      const budget = tenant.budget as unknown as TenantBudget;
      const usedBytes = used.get(tenant.id) ?? 0;
      if (usedBytes <= budget.maxTrafficBytes! || budget.exceededPeriod === period.key) continue;
      const data = {
        tenantId: tenant.id,
        period: period.key,
        usedBytes,
        maxTrafficBytes: budget.maxTrafficBytes!,
      };
      // Marked, announced and (onExceed: suspend) its suspension queued in one transaction, by the
      // one check that marks it: every replica checks after the shared sampling pass.
      const announced = await this.transactions.run(async (tx) => {
        if (!(await this.tenants.markBudgetExceeded(tenant.id, period.key, tx))) return false;
        await this.ledger.recordChange(
          {
            action: 'tenant.budget-exceeded',
            targetType: 'tenant',
            targetId: tenant.id,
            tenantId: tenant.id,
            actor: { keyId: null, requestId: null },
            changes: { after: { ...data, onExceed: budget.onExceed ?? 'notify' } },
            announce: { type: 'tenant.budget-exceeded', data },
          },
          tx,
        );
        if (budget.onExceed === 'suspend') {
          await this.jobs.enqueue(
            SUSPEND_TENANT_JOB,
            { tenantId: tenant.id, reason: 'budget-exceeded' },
            null,
            tenant.id,
            tx,
          );
        }
        return true;
      });
      if (!announced) continue;
      exceeded += 1;
      this.logger.warn(
        `Tenant ${tenant.id} used ${usedBytes} bytes this period, over its ${budget.maxTrafficBytes}`,
      );
    }
    return exceeded;
  }
}
