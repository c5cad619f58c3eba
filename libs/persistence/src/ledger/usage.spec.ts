import { observeUsage } from './usage';

const at = new Date('2026-11-21T10:15:00Z');
const state = (overrides = {}) => ({
  lifetimeUsedBytes: 0,
  lastUsedBytes: 0 as number | null,
  usagePeriod: null as string | null,
  thresholdsCrossed: [] as number[],
  suspended: false,
  ...overrides,
});
const report = (
  usedBytes: number | null,
  limitBytes: number | null = 1000,
  periodStart: string | null = null,
) => ({
  traffic: { usedBytes, limitBytes, periodStart, periodEnd: null },
});

describe('observeUsage', () => {
  it('takes the first reading as the baseline: lifetime, but no bucket', () => {
    const step = observeUsage(state({ lastUsedBytes: null }), report(400), [], at);
    expect({ delta: step.deltaBytes, lifetime: step.columns?.lifetimeUsedBytes }).toEqual({
      delta: 0,
      lifetime: 400,
    });
  });

  it('counts growth, and a counter that went down as a reset (what was used since counts)', () => {
    const grown = observeUsage(state({ lifetimeUsedBytes: 100, lastUsedBytes: 100 }), report(250), [], at);
    expect({ delta: grown.deltaBytes, lifetime: grown.columns?.lifetimeUsedBytes }).toEqual({
      delta: 150,
      lifetime: 250,
    });
    const reset = observeUsage(state({ lifetimeUsedBytes: 250, lastUsedBytes: 250 }), report(30), [], at);
    expect({ delta: reset.deltaBytes, lifetime: reset.columns?.lifetimeUsedBytes }).toEqual({
      delta: 30,
      lifetime: 280,
    });
    expect(reset.columns?.usagePeriod).toBe(`reset@${at.toISOString()}`);
  });

  it('announces each threshold once per period, and the limit reached once', () => {
    const first = observeUsage(state(), report(850), [80, 90, 100], at);
    expect({ crossed: first.crossed, exhausted: first.exhausted }).toEqual({
      crossed: [80],
      exhausted: false,
    });
    const second = observeUsage(
      state({ lastUsedBytes: 850, thresholdsCrossed: [80] }),
      report(1000),
      [80, 90, 100],
      at,
    );
    expect({ crossed: second.crossed, exhausted: second.exhausted }).toEqual({
      crossed: [90, 100],
      exhausted: true,
    });
    const third = observeUsage(
      state({ lastUsedBytes: 1000, thresholdsCrossed: [80, 90, 100] }),
      report(1200),
      [80, 90, 100],
      at,
    );
    expect({ crossed: third.crossed, exhausted: third.exhausted }).toEqual({ crossed: [], exhausted: false });
    // A new provider period (Webshare's dates moved on) starts over.
    const period = observeUsage(
      state({ lastUsedBytes: 10, thresholdsCrossed: [80, 90, 100], usagePeriod: '2026-10-01' }),
      report(850, 1000, '2026-11-01'),
      [80, 90, 100],
      at,
    );
    expect(period.crossed).toEqual([80]);
  });

  it('announces nothing for a suspended sub-user (its limit is what it used) or without a limit', () => {
    expect(observeUsage(state({ suspended: true }), report(1000), [80, 100], at).crossed).toEqual([]);
    expect(observeUsage(state(), report(10 ** 12, null), [80, 100], at).crossed).toEqual([]);
  });

  it('ignores a reading the provider does not give', () => {
    expect(observeUsage(state(), report(null), [80], at).columns).toBeNull();
  });
  it('re-checks crossed thresholds against a changed limit, but not across a suspension', () => {
    const thresholds = [80, 100, 120];
    const over = observeUsage(state({ lastUsedBytes: 0, limitBytes: 1000 }), report(1250), thresholds, at);
    expect(over.crossed).toEqual([80, 100, 120]);
    const crossed = over.columns!.thresholdsCrossed;
    // Suspended (the limit lowered to what is used), then resumed (the limit given back): kept.
    const suspended = observeUsage(
      state({ lastUsedBytes: 1250, thresholdsCrossed: crossed, suspended: true, limitBytes: 1000 }),
      report(1250, 1250),
      thresholds,
      at,
    );
    expect(suspended.columns!.thresholdsCrossed).toEqual(crossed);
    const resumed = observeUsage(
      state({ lastUsedBytes: 1250, thresholdsCrossed: crossed, suspended: true, limitBytes: 1250 }),
      report(1250, 1000),
      thresholds,
      at,
    );
    const next = observeUsage(
      state({ lastUsedBytes: 1250, thresholdsCrossed: resumed.columns!.thresholdsCrossed, limitBytes: 1000 }),
      report(1260, 1000),
      thresholds,
      at,
    );
    expect(next.crossed).toEqual([]);
    // Raised to 2000: 1260 is 63 %, nothing stays crossed; 80 % of the new limit is announced.
    const raised = observeUsage(
      state({ lastUsedBytes: 1260, thresholdsCrossed: crossed, limitBytes: 1000 }),
      report(1260, 2000),
      thresholds,
      at,
    );
    expect(raised.columns!.thresholdsCrossed).toEqual([]);
    const again = observeUsage(
      state({ lastUsedBytes: 1260, thresholdsCrossed: [], limitBytes: 2000 }),
      report(1700, 2000),
      thresholds,
      at,
    );
    expect(again.crossed).toEqual([80]);
  });
});
