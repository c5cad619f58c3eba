import { isGatewayError } from '@app/domain';
import { mapWithConcurrency } from './concurrency';
import type { BulkDeleteItemResult, DeleteResult } from './provider-driver';

export const DEFAULT_BULK_DELETE_CONCURRENCY = 4;

/**
 * Bulk delete for providers without one: single deletes, a few at a time. One failure does not
 * stop the others; each id gets its own outcome. Duplicated ids are deleted once.
 */
export async function emulateBulkDelete(
  ids: readonly string[],
  deleteOne: (id: string) => Promise<DeleteResult>,
  concurrency = DEFAULT_BULK_DELETE_CONCURRENCY,
): Promise<BulkDeleteItemResult[]> {
  const uniqueIds = [...new Set(ids)];
  return mapWithConcurrency(uniqueIds, concurrency, async (id): Promise<BulkDeleteItemResult> => {
    try {
      const { status } = await deleteOne(id);
      return { id, outcome: status };
    } catch (error) {
      if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND') return { id, outcome: 'not_found' };
      if (isGatewayError(error))
        return { id, outcome: 'failed', error: { code: error.code, message: error.detail } };
      return { id, outcome: 'failed', error: { code: 'INTERNAL', message: 'unexpected error' } };
    }
  });
}
