import { isGatewayError } from '@app/domain';
import type { ProviderSubUser } from '@app/domain';
import type { ProviderDriver } from '@app/providers';

/** Up to this many missing sub-users are confirmed one by one (a GET each); more → a second listing first. */
const CONFIRM_BY_GET_MAX = 25;
/**
 * At most this many GETs per sync confirm what a second listing still misses: the rest wait for
 * the next sync, so a mass deletion at the provider is marked over a few syncs, never on two
 * listings alone.
 */
export const CONFIRM_BY_GET_PER_SYNC = 200;
const CONFIRM_CONCURRENCY = 4;

/**
 * The mapped sub-users missing from a listing that the provider confirms it no longer holds. A
 * listing read a page at a time while others were deleted can skip a live one (the provider's
 * pages shift), and a second listing can skip it too: only a GET answering 404 (or `deleted`)
 * confirms. Many missing are first narrowed by a second listing; uncertain ones wait for the next
 * sync.
 */
export async function confirmGone<T extends { providerSubUserId: string | null; status: string }>(
  driver: ProviderDriver,
  missing: T[],
): Promise<T[]> {
  let candidates = missing;
  let deletesFinished: T[] = [];
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
    const inNeither = missing.filter((record) => !present.has(record.providerSubUserId!));
    // A delete the gateway asked for, missing from both listings, has finished: marking it early
    // costs nothing. Anything else is confirmed by a GET.
    deletesFinished = inNeither.filter((record) => record.status === 'deleting');
    candidates = inNeither.filter((record) => record.status !== 'deleting').slice(0, CONFIRM_BY_GET_PER_SYNC);
  }
  return [...deletesFinished, ...(await confirmByGet(driver, candidates))];
}

async function confirmByGet<T extends { providerSubUserId: string | null; status: string }>(
  driver: ProviderDriver,
  missing: T[],
): Promise<T[]> {
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
