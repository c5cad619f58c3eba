import { ProviderError, type ProviderSubUser } from '@app/domain';
import type { ProviderDriver } from '@app/providers';
import { CONFIRM_BY_GET_PER_SYNC, confirmGone } from './missing';

/**
 * A provider whose second listing skips what it is told to (pages shifted by deletions) and whose
 * GET finds only the live ids: the decision under test is which records the sync may mark gone.
 */
function providerWith(live: Set<string>, secondListing: string[]) {
  const gets: string[] = [];
  const subUser = (id: string) => ({ providerSubUserId: id, status: 'active' }) as ProviderSubUser;
  const driver = {
    async *listPages() {
      yield secondListing.map(subUser);
    },
    async get(id: string) {
      gets.push(id);
      if (live.has(id)) return subUser(id);
      throw new ProviderError('webshare', 'PROVIDER_NOT_FOUND', 'gone');
    },
  } as unknown as ProviderDriver;
  return { driver, gets };
}

const records = (count: number, status = 'active') =>
  Array.from({ length: count }, (_, index) => ({ providerSubUserId: `${status}-${index}`, status }));

describe('confirmGone: what a sync may mark as gone', () => {
  it('never marks a live sub-user that both listings skipped: a GET decides', async () => {
    const missing = records(40);
    const live = new Set(missing.slice(0, 5).map((record) => record.providerSubUserId));
    const { driver, gets } = providerWith(live, []);
    const gone = await confirmGone(driver, missing);
    expect(gone.map((record) => record.providerSubUserId).sort()).toEqual(
      missing
        .slice(5)
        .map((record) => record.providerSubUserId)
        .sort(),
    );
    expect(gets).toHaveLength(40);
  });

  it('takes the second listing’s word for what it holds, and GETs at most a bounded number per sync', async () => {
    const missing = records(CONFIRM_BY_GET_PER_SYNC + 100);
    const listedAgain = missing.slice(0, 50).map((record) => record.providerSubUserId);
    const { driver, gets } = providerWith(new Set(listedAgain), listedAgain);
    const gone = await confirmGone(driver, missing);
    expect(gets).toHaveLength(CONFIRM_BY_GET_PER_SYNC);
    expect(gets.some((id) => listedAgain.includes(id))).toBe(false);
    expect(gone).toHaveLength(CONFIRM_BY_GET_PER_SYNC);
  });

  it('a delete the gateway asked for, missing from both listings, is finished without a GET', async () => {
    const missing = [...records(20, 'deleting'), ...records(10)];
    const { driver, gets } = providerWith(new Set(), []);
    const gone = await confirmGone(driver, missing);
    expect(gone).toHaveLength(30);
    expect(gets.every((id) => id.startsWith('active-'))).toBe(true);
    expect(gets).toHaveLength(10);
  });
});
