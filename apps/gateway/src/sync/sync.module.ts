import { Module } from '@nestjs/common';
import { SubUsersModule } from '../sub-users/sub-users.module';
import { SyncController } from './sync.controller';
import { SyncJob } from './sync.job';
import { SyncScheduler } from './sync-scheduler';
import { SyncService } from './sync.service';

/** Sync and reconciliation: keeps the local mapping true to the providers (issue 6). */
@Module({
  imports: [SubUsersModule],
  controllers: [SyncController],
  providers: [SyncJob, SyncService, SyncScheduler],
  exports: [SyncService, SyncScheduler],
})
export class SyncModule {}
