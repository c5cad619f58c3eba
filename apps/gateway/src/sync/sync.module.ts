import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ProviderAccountsModule } from '../provider-accounts/provider-accounts.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SyncController } from './sync.controller';
import { SyncJob } from './sync.job';
import { SyncScheduler } from './sync-scheduler';
import { SyncService } from './sync.service';

/** Sync: keeps the local records true to the providers (the reconciliation does the work). */
@Module({
  imports: [JobsModule, ProviderAccountsModule, ReconciliationModule],
  controllers: [SyncController],
  providers: [SyncJob, SyncService, SyncScheduler],
  exports: [SyncService, SyncScheduler],
})
export class SyncModule {}
