import { Job } from '@app/persistence';
import { JobDto } from './jobs.dto';

/** A job as GET /v1/jobs/:id shows it (and as `job.finished` announces it). */
export function toJobDto(job: Job): JobDto {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    tenantId: job.tenantId,
    counts: job.counts as Record<string, number>,
    results: job.results,
    error: job.error,
    attempts: job.attempts,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
  };
}
