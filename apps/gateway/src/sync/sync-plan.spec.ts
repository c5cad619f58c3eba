import { ProviderSubUser } from '@app/domain';
import { OpenIntent, driftOf, planIntents } from './sync-plan';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function subUser(id: string, name: string, createdAt: number | null, extra: Partial<ProviderSubUser> = {}) {
  return {
    provider: 'webshare',
    providerSubUserId: id,
    name,
    notes: null,
    status: 'active',
    providerStatus: null,
    traffic: { limitBytes: null, usedBytes: 10, periodStart: null, periodEnd: null },
    maxConcurrency: 10,
    countries: null,
    groupId: null,
    proxyUsername: null,
    stats: null,
    createdAt: createdAt === null ? null : new Date(createdAt).toISOString(),
    updatedAt: null,
    ...extra,
  } as ProviderSubUser;
}

function intent(id: string, name: string, startedAt: number): OpenIntent {
  return { id, name, startedAt: new Date(startedAt), expiresAt: new Date(startedAt + 15 * 60_000) };
}

describe('planIntents', () => {
  it('completes the one intent a sub-user fingerprint-matches and adopts strangers', () => {
    const plan = planIntents(
      [subUser('1', 'a', T0 + 1000), subUser('2', 'b', T0 + 1000)],
      [intent('i-a', 'a', T0)],
    );
    expect(plan.completions.map((c) => [c.intentId, c.subUser.providerSubUserId])).toEqual([['i-a', '1']]);
    expect(plan.adoptions.map((s) => s.providerSubUserId)).toEqual(['2']);
    expect(plan.ambiguous).toEqual([]);
  });

  it('needs the creation time inside [start − 1 min, expiry]', () => {
    const early = planIntents([subUser('1', 'a', T0 - 120_000)], [intent('i', 'a', T0)]);
    const skewed = planIntents([subUser('1', 'a', T0 - 30_000)], [intent('i', 'a', T0)]);
    const late = planIntents([subUser('1', 'a', T0 + 16 * 60_000)], [intent('i', 'a', T0)]);
    expect(early.completions).toHaveLength(0);
    expect(skewed.completions).toHaveLength(1);
    expect(late.adoptions).toHaveLength(1);
  });

  it('two sub-users for one intent: completes with the oldest, adopts the other, reports ambiguity', () => {
    const plan = planIntents(
      [subUser('2', 'a', T0 + 2000), subUser('1', 'a', T0 + 1000)],
      [intent('i', 'a', T0)],
    );
    expect(plan.completions.map((c) => c.subUser.providerSubUserId)).toEqual(['1']);
    expect(plan.adoptions.map((s) => s.providerSubUserId)).toEqual(['2']);
    expect(plan.ambiguous).toEqual([{ intentIds: ['i'], providerSubUserIds: ['1', '2'] }]);
  });

  it('one sub-user for two intents: completes the oldest intent only, reports ambiguity', () => {
    const plan = planIntents(
      [subUser('1', 'a', T0 + 5000)],
      [intent('i2', 'a', T0 + 10), intent('i1', 'a', T0)],
    );
    expect(plan.completions.map((c) => c.intentId)).toEqual(['i1']);
    expect(plan.adoptions).toEqual([]);
    expect(plan.ambiguous).toEqual([{ intentIds: ['i1', 'i2'], providerSubUserIds: ['1'] }]);
  });
});

describe('driftOf', () => {
  it('reports provider-side field changes, not usage', () => {
    const before = subUser('1', 'a', T0);
    expect(driftOf(before, { ...before, traffic: { ...before.traffic, usedBytes: 999 } }, false)).toBeNull();
    expect(
      driftOf(before, { ...before, name: 'b', traffic: { ...before.traffic, limitBytes: 5 } }, false),
    ).toEqual({ before: { name: 'a', trafficLimitBytes: null }, after: { name: 'b', trafficLimitBytes: 5 } });
  });

  it('counts notes only where the provider holds them', () => {
    const before = subUser('1', 'a', T0);
    const after = { ...before, notes: 'changed' };
    expect(driftOf(before, after, false)).toBeNull();
    expect(driftOf(before, after, true)).toEqual({ before: { notes: null }, after: { notes: 'changed' } });
  });
});
