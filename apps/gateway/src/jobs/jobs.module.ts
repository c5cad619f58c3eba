import { Global, Module } from '@nestjs/common';
import { JobRepository } from '@app/persistence/repositories/job.repository';
import { JobRunner } from './job-runner.service';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** The database-backed job queue: bulk operations and syncs register their handlers with the runner. */
@Global()
@Module({
  controllers: [JobsController],
  providers: [JobRepository, JobRunner, JobsService],
  exports: [JobRunner, JobsService, JobRepository],
})
export class JobsModule {}
