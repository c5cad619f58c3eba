import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { SubUsersModule } from '../sub-users/sub-users.module';
import { SyncModule } from '../sync/sync.module';
import { BudgetWatcher } from './budget-watcher';
import { UsageController } from './usage.controller';
import { UsageSampler } from './usage-sampler';

/** Usage over time: the series and roll-ups, the sampling pass, and the budget watcher. */
@Module({
  imports: [JobsModule, SubUsersModule, SyncModule],
  controllers: [UsageController],
  providers: [UsageSampler, BudgetWatcher],
  exports: [UsageSampler, BudgetWatcher],
})
export class UsageModule {}
