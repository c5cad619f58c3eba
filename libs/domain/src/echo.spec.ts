import fc from 'fast-check';
import { type EchoCandidate, type EchoField, type SubUserEcho, echoMatches, echoMismatches } from './echo';

const candidateArbitrary: fc.Arbitrary<EchoCandidate> = fc.record(
  {
    name: fc.option(fc.string(), { nil: null }),
    notes: fc.option(fc.string(), { nil: null }),
    traffic: fc.record({
      limitBytes: fc.option(fc.maxSafeNat(), { nil: null }),
      usedBytes: fc.option(fc.maxSafeNat(), { nil: null }),
      periodStart: fc.constant(null),
      periodEnd: fc.constant(null),
    }),
    maxConcurrency: fc.option(fc.nat(), { nil: null }),
    countries: fc.option(fc.dictionary(fc.stringMatching(/^[A-Z]{2}$/), fc.nat()), { nil: null }),
    groupId: fc.option(fc.string(), { nil: null }),
    proxyUsername: fc.option(fc.string(), { nil: null }),
    revealedPassword: fc.string(),
  },
  { requiredKeys: ['name', 'notes', 'traffic', 'maxConcurrency', 'countries', 'groupId', 'proxyUsername'] },
);

const ALL_FIELDS: EchoField[] = [
  'name',
  'notes',
  'trafficLimitBytes',
  'maxConcurrency',
  'countries',
  'groupId',
  'proxyUsername',
  'proxyPassword',
];

/** The echo a candidate answers to exactly, restricted to `fields`. */
function echoOf(candidate: EchoCandidate, fields: readonly EchoField[]): SubUserEcho {
  const full: SubUserEcho = {
    name: candidate.name,
    notes: candidate.notes,
    trafficLimitBytes: candidate.traffic.limitBytes,
    maxConcurrency: candidate.maxConcurrency,
    countries: candidate.countries,
    groupId: candidate.groupId,
    proxyUsername: candidate.proxyUsername,
    ...(candidate.revealedPassword !== undefined ? { proxyPassword: candidate.revealedPassword } : {}),
  };
  return Object.fromEntries(Object.entries(full).filter(([field]) => fields.includes(field as EchoField)));
}

const base: EchoCandidate = {
  name: 'x',
  notes: null,
  traffic: { limitBytes: 5 * 1024 ** 3, usedBytes: 0, periodStart: null, periodEnd: null },
  maxConcurrency: 25,
  countries: { US: 5, ZZ: 2 },
  groupId: null,
  proxyUsername: 'user_1',
  revealedPassword: 'secret-pass-1',
};

describe('echoMatches', () => {
  it('property: a candidate matches the echo of its own fields, any subset of them', () => {
    fc.assert(
      fc.property(candidateArbitrary, fc.subarray(ALL_FIELDS), (candidate, fields) => {
        expect(echoMismatches(echoOf(candidate, fields), candidate)).toEqual([]);
        expect(echoMatches(echoOf(candidate, fields), candidate)).toBe(true);
      }),
    );
  });

  it('property: an empty echo (a create that set nothing) matches any candidate', () => {
    fc.assert(fc.property(candidateArbitrary, (candidate) => expect(echoMatches({}, candidate)).toBe(true)));
  });

  it('property: one field held differently is a mismatch, named and only that one', () => {
    fc.assert(
      fc.property(candidateArbitrary, candidateArbitrary, (candidate, other) => {
        const echo = echoOf(other, ALL_FIELDS);
        const expected = ALL_FIELDS.filter((field) => {
          const ownEcho = echoOf(candidate, [field]);
          const otherEcho = echoOf(other, [field]);
          if (field === 'proxyPassword')
            return candidate.revealedPassword !== undefined && otherEcho.proxyPassword !== undefined
              ? candidate.revealedPassword !== otherEcho.proxyPassword
              : false;
          return JSON.stringify(sortedCountries(ownEcho)) !== JSON.stringify(sortedCountries(otherEcho));
        });
        expect(echoMismatches(echo, candidate)).toEqual(expected);
        expect(echoMatches(echo, candidate)).toBe(expected.length === 0);
      }),
    );
  });

  it.each<[EchoField, SubUserEcho]>([
    ['name', { name: 'x ' }],
    ['name', { name: null }],
    ['notes', { notes: '' }],
    ['trafficLimitBytes', { trafficLimitBytes: 5 * 1024 ** 3 + 1 }],
    ['trafficLimitBytes', { trafficLimitBytes: null }],
    ['maxConcurrency', { maxConcurrency: 24 }],
    ['countries', { countries: { US: 5 } }],
    ['countries', { countries: { US: 5, ZZ: 2, GB: 0 } }],
    ['countries', { countries: null }],
    ['groupId', { groupId: 'g-1' }],
    ['proxyUsername', { proxyUsername: 'User_1' }],
    ['proxyPassword', { proxyPassword: 'secret-pass-2' }],
  ])('a different %s is a mismatch: %j', (field, echo) => {
    expect(echoMismatches(echo, base)).toEqual([field]);
    expect(echoMatches(echo, base)).toBe(false);
  });

  it('compares country maps whatever their key order', () => {
    expect(echoMatches({ countries: { ZZ: 2, US: 5 } }, base)).toBe(true);
    expect(echoMatches({ countries: null }, { ...base, countries: null })).toBe(true);
    expect(echoMatches({ countries: {} }, { ...base, countries: null })).toBe(false);
  });

  it('a password is refuted only by a different revealed one', () => {
    const { revealedPassword: _revealed, ...withoutPassword } = base;
    expect(echoMatches({ proxyPassword: 'anything' }, withoutPassword)).toBe(true);
    expect(echoMatches({ proxyPassword: 'secret-pass-1' }, base)).toBe(true);
    expect(echoMatches({ proxyPassword: 'secret-pass-1 ' }, base)).toBe(false);
  });

  it('names mismatching fields without their values', () => {
    const mismatches = echoMismatches({ proxyPassword: 'other-secret', name: 'y' }, base);
    expect(mismatches).toEqual(['name', 'proxyPassword']);
    expect(JSON.stringify(mismatches)).not.toContain('secret');
  });
});

/** Countries as a key-sorted list, so two maps compare by content. */
function sortedCountries(echo: SubUserEcho): unknown {
  if (!echo.countries) return echo;
  return { ...echo, countries: Object.entries(echo.countries).sort(([a], [b]) => a.localeCompare(b)) };
}
