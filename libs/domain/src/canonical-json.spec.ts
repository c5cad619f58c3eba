import { canonicalJson, requestHash } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('hashes equal bodies in any key order the same, different bodies differently', () => {
    expect(requestHash({ name: 'x', scopes: ['a'] })).toBe(requestHash({ scopes: ['a'], name: 'x' }));
    expect(requestHash({ scopes: ['a', 'b'] })).not.toBe(requestHash({ scopes: ['b', 'a'] }));
    expect(requestHash(undefined)).toBe(requestHash(null));
  });
});
