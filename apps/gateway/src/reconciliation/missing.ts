import { isGatewayError } from '@app/domain';
import type { ProviderSubUser } from '@app/domain';
import type { ProviderDriver } from '@app/providers';

/** Up to this many missing sub-users are confirmed one by one (a GET each); more → a second listing. */
const CONFIRM_BY_GET_MAX = 25;
const CONFIRM_CONCURRENCY = 4;

/**
 * The mapped sub-users missing from a listing that the provider confirms it no longer holds
 * (a page read while others were deleted can skip one). Uncertain ones wait for the next sync.
 */
export async function confirmGone<T extends { providerSubUserId: string | null }>(
  driver: ProviderDriver,
  missing: T[],
): Promise<T[]> {
  if (missing.length > CONFIRM_BY_GET_MAX) {
    // The second listing's ids only, a page at a time where the driver pages (never all of it).
    const present = new Set<string>();
    try {
      const options = { priority: 'background' as const };
      const pages: AsyncIterable<ProviderSubUser[]> | Iterable<ProviderSubUser[]> = driver.listPages
        ? driver.listPages(options)
        : [await driver.list(options)];
      for await (const page of pages) for (const subUser of page) present.add(subUser.providerSubUserId);
    } catch {
      return [];
    }
    return missing.filter((record) => !present.has(record.providerSubUserId!));
  }
  const gone: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < missing.length) {
      const record = missing[next++];
      try {
        const current = await driver.get(record.providerSubUserId!, { priority: 'background' });
        if (current.status === 'deleted') gone.push(record);
      } catch (error) {
        if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND') gone.push(record);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONFIRM_CONCURRENCY, missing.length) }, worker));
  return gone;
}
