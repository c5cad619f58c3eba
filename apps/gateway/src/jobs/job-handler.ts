import { Prisma } from '@app/persistence';

/** What a handler sees of the job it runs. */
export interface JobContext<Input = Record<string, unknown>> {
  id: string;
  type: string;
  input: Input;
  tenantId: string | null;
  createdByKeyId: string | null;
  /** Aborted when the process shuts down or the lease was lost: stop at the next safe point. */
  signal: AbortSignal;
  /** Records partial counts, and optionally the results so far (seen by GET /v1/jobs/:id while the job runs). */
  progress(counts: Record<string, number>, results?: Prisma.InputJsonValue): void;
}

export interface JobOutcome {
  counts: Record<string, number>;
  results: Prisma.InputJsonValue;
  /** Set when the job as a whole failed (per-item failures belong in `results`). */
  error?: string;
}

/** One kind of long work (bulk delete, sync); registered with the JobRunner by its module. */
export interface JobHandler<Input = Record<string, unknown>> {
  readonly type: string;
  run(context: JobContext<Input>): Promise<JobOutcome>;
}
