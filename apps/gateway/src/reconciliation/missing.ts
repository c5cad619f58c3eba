import { isGatewayError } from '@app/domain';
import type { SubUserRecord } from '@app/persistence';
import type { ProviderDriver } from '@app/providers';

/** Up to this many missing sub-users are confirmed one by one (a GET each); more → a second listing. */
const CONFIRM_BY_GET_MAX = 25;
const CONFIRM_CONCURRENCY = 4;

/**
 * The mapped sub-users missing from a listing that the provider confirms it no longer holds
 * (a page read while others were deleted can skip one). Uncertain ones wait for the next sync.
 */
export async function confirmGone(
  driver: ProviderDriver,
  missing: SubUserRecord[],
): Promise<SubUserRecord[]> {
  if (missing.length > CONFIRM_BY_GET_MAX) {
    let second;
    try {
      second = await driver.list({ priority: 'background' });
    } catch {
      return [];
    }
    const present = new Set(second.map((subUser) => subUser.providerSubUserId));
    return missing.filter((record) => !present.has(record.providerSubUserId!));
  }
  const gone: SubUserRecord[] = [];
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
