import type { ProviderSubUser } from '@app/domain';
import type { SubUserRecord } from '@app/persistence';
import { limitToGiveBack } from './suspend-sub-user.use-case';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

const recordWith = (limitBytes: number | null) =>
  ({ snapshot: { traffic: { limitBytes, usedBytes: 0 } } }) as unknown as SubUserRecord;
const reading = (limitBytes: number | null, usedBytes: number) =>
  ({ traffic: { limitBytes, usedBytes, periodStart: null, periodEnd: null } }) as ProviderSubUser;

describe('limitToGiveBack (the limit a suspension keeps for resume)', () => {
  it('is the provider’s limit when the gateway recorded the same one', () => {
    expect(limitToGiveBack(recordWith(GB), reading(GB, 10 * MB))).toBe(GB);
    // Used up to its limit, as recorded: that is its limit, not a lowered one.
    expect(limitToGiveBack(recordWith(10 * MB), reading(10 * MB, 10 * MB))).toBe(10 * MB);
  });

  it('is the recorded limit when the provider’s was already lowered to what is used (a suspend whose answer was lost)', () => {
    expect(limitToGiveBack(recordWith(GB), reading(10 * MB, 10 * MB))).toBe(GB);
    expect(limitToGiveBack(recordWith(null), reading(10 * MB, 10 * MB))).toBeNull();
    // Providers that read 0 as unlimited are lowered to one byte.
    expect(limitToGiveBack(recordWith(GB), reading(1, 0))).toBe(GB);
  });

  it('is the provider’s limit when it is above what is used (changed at the provider since)', () => {
    expect(limitToGiveBack(recordWith(GB), reading(2 * GB, 10 * MB))).toBe(2 * GB);
    expect(limitToGiveBack(recordWith(GB), reading(null, 10 * MB))).toBeNull();
  });
});
