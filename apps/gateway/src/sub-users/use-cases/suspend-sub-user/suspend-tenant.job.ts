import { Injectable, OnModuleInit } from '@nestjs/common';
import { isGatewayError } from '@app/domain';
import { SubUserMappingRepository } from '@app/persistence';
import type { AuthContext } from '../../../access/auth-context';
import { JobContext, JobHandler, JobOutcome } from '../../../jobs/job-handler';
import { JobRunner } from '../../../jobs/job-runner.service';
import { SuspendSubUser } from './suspend-sub-user.use-case';

export const SUSPEND_TENANT_JOB = 'tenant.suspend-all';

interface SuspendTenantInput {
  tenantId: string;
  reason: string;
}

/** The gateway acting on its own (a budget): no key, every tenant. */
const SYSTEM: AuthContext = { keyId: '', tenantId: 'default', scopes: ['admin'], isAdmin: true };

/**
 * Suspends every active sub-user of a tenant (a budget with onExceed=suspend was passed), one at a
 * time through the same use case as POST /v1/sub-users/:id/suspend, paced by each account's limiter.
 */
@Injectable()
export class SuspendTenantJob implements JobHandler<SuspendTenantInput>, OnModuleInit {
  readonly type = SUSPEND_TENANT_JOB;

  constructor(
    private readonly runner: JobRunner,
    private readonly mappings: SubUserMappingRepository,
    private readonly suspension: SuspendSubUser,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<SuspendTenantInput>): Promise<JobOutcome> {
    const counts = { suspended: 0, failed: 0 };
    const results: { id: string; outcome: 'suspended' | 'failed'; error?: string }[] = [];
    const meta = { auth: SYSTEM, requestId: `job:${context.id}` };
    for (const record of await this.mappings.findActiveByTenant(context.input.tenantId)) {
      if (context.signal.aborted) break;
      try {
        await this.suspension.suspend(record.id, meta);
        counts.suspended += 1;
        results.push({ id: record.id, outcome: 'suspended' });
      } catch (error) {
        counts.failed += 1;
        results.push({
          id: record.id,
          outcome: 'failed',
          error: isGatewayError(error) ? error.code : 'INTERNAL',
        });
      }
      context.progress(counts);
    }
    return { counts, results };
  }
}
