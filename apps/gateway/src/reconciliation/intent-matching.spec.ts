import type { ProviderSubUser } from '@app/domain';
import { passwordCheckOf } from '@app/persistence';
import { type OpenIntent, planIntents } from './intent-matching';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const GB = 1024 ** 3;

function subUser(
  id: string,
  createdAt: number | null,
  extra: Partial<ProviderSubUser> = {},
): ProviderSubUser {
  return {
    provider: 'proxyhat',
    providerSubUserId: id,
    name: 'shared',
    notes: null,
    status: 'active',
    providerStatus: 'Active',
    traffic: { limitBytes: null, usedBytes: 0, periodStart: null, periodEnd: null },
    maxConcurrency: null,
    countries: null,
    groupId: null,
    proxyUsername: null,
    stats: null,
    createdAt: createdAt === null ? null : new Date(createdAt).toISOString(),
    updatedAt: null,
    ...extra,
  };
}

function intent(
  id: string,
  startedAt: number,
  echo: OpenIntent['evidence']['echo'],
  password?: string,
): OpenIntent {
  return {
    id,
    evidence: { echo, ...(password ? { password: passwordCheckOf(password) } : {}) },
    window: { startedAt: new Date(startedAt), expiresAt: new Date(startedAt + 15 * 60_000) },
  };
}

const paired = (plan: ReturnType<typeof planIntents>) =>
  plan.completions.map((completion) => [completion.intentId, completion.subUser.providerSubUserId]);

describe('planIntents', () => {
  it('gives each of two tenants its own sub-user when only the password and limit differ', () => {
    // The hardening finding: same name, same second, 40 ms apart; the listing's order says nothing.
    const a = subUser('ph-a', T0 + 1000, {
      revealedPassword: 'A'.repeat(20),
      traffic: { ...subUser('x', 0).traffic, limitBytes: GB },
    });
    const b = subUser('ph-b', T0 + 1000, {
      revealedPassword: 'B'.repeat(20),
      traffic: { ...subUser('x', 0).traffic, limitBytes: 2 * GB },
    });
    const intents = [
      intent('tenant-a', T0, { name: 'shared', trafficLimitBytes: GB }, 'A'.repeat(20)),
      intent('tenant-b', T0 + 40, { name: 'shared', trafficLimitBytes: 2 * GB }, 'B'.repeat(20)),
    ];
    expect(paired(planIntents([b, a], intents)).sort()).toEqual([
      ['tenant-a', 'ph-a'],
      ['tenant-b', 'ph-b'],
    ]);
    // The password alone tells them apart too.
    const samePlan = planIntents(
      [
        subUser('1', T0 + 500, { revealedPassword: 'pw-two-22222222' }),
        subUser('2', T0 + 500, { revealedPassword: 'pw-one-11111111' }),
      ],
      [
        intent('i1', T0, { name: 'shared' }, 'pw-one-11111111'),
        intent('i2', T0, { name: 'shared' }, 'pw-two-22222222'),
      ],
    );
    expect(paired(samePlan).sort()).toEqual([
      ['i1', '2'],
      ['i2', '1'],
    ]);
  });

  it('matches what the provider stores, not what was sent (a trimmed name), and adopts strangers', () => {
    const plan = planIntents(
      [subUser('1', T0 + 1000, { name: 'x' }), subUser('2', T0 + 1000, { name: 'y' })],
      [intent('i-x', T0, { name: 'x' })],
    );
    expect(paired(plan)).toEqual([['i-x', '1']]);
    expect(plan.adoptions.map((s) => s.providerSubUserId)).toEqual(['2']);
    expect(plan.ambiguous).toEqual([]);
  });

  it('needs the creation time inside [start − 1 min, expiry]', () => {
    const echo = { name: 'shared' };
    expect(planIntents([subUser('1', T0 - 120_000)], [intent('i', T0, echo)]).completions).toHaveLength(0);
    expect(planIntents([subUser('1', T0 - 30_000)], [intent('i', T0, echo)]).completions).toHaveLength(1);
    expect(planIntents([subUser('1', T0 + 16 * 60_000)], [intent('i', T0, echo)]).adoptions).toHaveLength(1);
  });

  it('never guesses: two sub-users holding one intent’s evidence are both adopted, the intent reported', () => {
    const plan = planIntents(
      [subUser('2', T0 + 2000), subUser('1', T0 + 1000)],
      [intent('i', T0, { name: 'shared' })],
    );
    expect(plan.completions).toEqual([]);
    expect(plan.adoptions.map((s) => s.providerSubUserId).sort()).toEqual(['1', '2']);
    expect(
      plan.ambiguous.map((group) => [group.intentIds, group.subUsers.map((s) => s.providerSubUserId).sort()]),
    ).toEqual([[['i'], ['1', '2']]]);
  });

  it('a sub-user that fits two intents completes neither', () => {
    const plan = planIntents(
      [subUser('1', T0 + 5000)],
      [intent('i1', T0, { name: 'shared' }), intent('i2', T0 + 10, { name: 'shared' })],
    );
    expect(plan.completions).toEqual([]);
    expect(plan.adoptions.map((s) => s.providerSubUserId)).toEqual(['1']);
    expect(plan.ambiguous.map((group) => group.intentIds)).toEqual([['i1'], ['i2']]);
  });

  it('an intent without evidence (written before evidence existed) matches nothing', () => {
    const plan = planIntents(
      [subUser('1', T0 + 1)],
      [{ id: 'old', evidence: {}, window: intent('x', T0, {}).window }],
    );
    expect(plan.completions).toEqual([]);
    expect(plan.adoptions).toHaveLength(1);
  });
});
