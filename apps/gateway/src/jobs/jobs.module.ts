import { Module } from '@nestjs/common';
import { JobRunner } from './job-runner.service';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** The database-backed job queue: bulk operations and syncs register their handlers with the runner. */
@Module({
  controllers: [JobsController],
  providers: [JobRunner, JobsService],
  exports: [JobRunner, JobsService],
})
export class JobsModule {}
