import { type FieldError, GatewayError, isGatewayError } from '@app/domain';
import { ApiKeyRepository } from '@app/persistence';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { AuthContext, Scope } from '../../access/auth-context';
import type { JobContext } from '../../jobs/job-handler';
import type { BulkItemResultDto } from '../dto/sub-user-bulk.dto';

/** The caller a job acts for: the key that started it, as the API saw it (scopes, tenant). */
export async function authOfJob(context: JobContext<unknown>, keys: ApiKeyRepository): Promise<AuthContext> {
  if (!context.createdByKeyId) throw new GatewayError('INTERNAL', 'a bulk job needs the key that started it');
  const key = await keyOfJob(context.createdByKeyId, keys);
  return {
    keyId: key.id,
    tenantId: key.tenantId,
    scopes: key.scopes as Scope[],
    isAdmin: key.scopes.includes('admin'),
  };
}

/**
 * The key a job acts for, read again when the job runs (also after a restart): a key revoked
 * since (a leaked key, say) no longer acts, so its queued or interrupted job fails instead of
 * carrying on.
 */
export async function keyOfJob(keyId: string, keys: ApiKeyRepository) {
  const key = await keys.findById(keyId);
  if (!key) throw new GatewayError('INTERNAL', 'the key that started this job no longer exists');
  if (key.revokedAt) {
    throw new GatewayError(
      'FORBIDDEN',
      'the API key that started this job was revoked: the job does not act for it',
    );
  }
  return key;
}

/** One item validated as its single call's body would be; the field errors when it is not. */
export async function validItem<T extends object>(
  type: new () => T,
  item: Record<string, unknown>,
): Promise<{ value: T } | { errors: FieldError[] }> {
  const value = plainToInstance(type, item);
  const problems = await validate(value, { whitelist: true, forbidNonWhitelisted: true });
  if (problems.length === 0) return { value };
  return {
    errors: problems.flatMap((problem) =>
      Object.values(problem.constraints ?? { invalid: `${problem.property} is invalid` }).map((message) => ({
        field: problem.property,
        message,
      })),
    ),
  };
}

/** A failed item as its single call would have answered it. */
export function failedItem(index: number, error: unknown, id?: string): BulkItemResultDto {
  if (isGatewayError(error)) {
    return {
      index,
      ...(id ? { id } : {}),
      outcome: 'failed',
      error: {
        code: error.code,
        status: error.status,
        detail: error.detail,
        ...(error.fieldErrors ? { errors: error.fieldErrors } : {}),
      },
    };
  }
  return {
    index,
    ...(id ? { id } : {}),
    outcome: 'failed',
    error: { code: 'INTERNAL', status: 500, detail: 'unexpected error' },
  };
}

export function countsOf(
  requested: number,
  results: (BulkItemResultDto | undefined)[],
): Record<string, number> {
  const counts: Record<string, number> = { requested, created: 0, updated: 0, failed: 0, skipped: 0 };
  for (const result of results) if (result) counts[result.outcome] += 1;
  return counts;
}

/**
 * Runs `work` over the items with a few in flight at once: each provider account's limiter paces
 * its calls, so enough must wait in its queue to use every slot its published limit allows.
 */
export async function eachWithConcurrency<T>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
