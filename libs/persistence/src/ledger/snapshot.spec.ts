import { sameSnapshot } from './snapshot';
import type { ProviderSubUser } from '@app/domain';

describe('sameSnapshot', () => {
  const fresh = (value: unknown) => value as ProviderSubUser;

  it('ignores key order at every depth, as canonical JSON does', () => {
    expect(
      sameSnapshot(
        { a: 1, b: { c: [1, { d: 2, e: null }] } },
        fresh({ b: { c: [1, { e: null, d: 2 }] }, a: 1 }),
      ),
    ).toBe(true);
  });

  it('tells apart values, array order, null from a missing key, and arrays from objects', () => {
    expect(sameSnapshot({ a: 1 }, fresh({ a: 2 }))).toBe(false);
    expect(sameSnapshot({ a: [1, 2] }, fresh({ a: [2, 1] }))).toBe(false);
    expect(sameSnapshot({ a: null }, fresh({}))).toBe(false);
    expect(sameSnapshot({ a: [] }, fresh({ a: {} }))).toBe(false);
    expect(sameSnapshot(null, fresh({}))).toBe(false);
    expect(sameSnapshot({ a: '1' }, fresh({ a: 1 }))).toBe(false);
  });
});
