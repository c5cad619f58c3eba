import { randomUUID } from 'node:crypto';
import { UsageRepository, type UsageQuery, type UsageRow } from '@app/persistence';
import { LedgerHarness, actor, providerSubUser, startLedger } from './ledger-harness';

/**
 * Usage over time without HTTP: the ledger adds each observation to its hour, day and month, and
 * the repository answers any window by month exactly as the sum of the days inside it, whether the
 * window holds whole months (month rows), partial ones (day rows) or both.
 */
describe('usage buckets (ledger writes, repository reads)', () => {
  let h: LedgerHarness;
  let usage: UsageRepository;
  let subUserId: string;

  const at = (iso: string) => new Date(iso);
  async function read(query: Partial<UsageQuery>): Promise<{ periodStart: string; usedBytes: number }[]> {
    const rows: UsageRow[] = [];
    const full = {
      from: at('2025-12-01T00:00:00Z'),
      to: at('2026-05-01T00:00:00Z'),
      granularity: 'day',
      subUserId,
    };
    for await (const page of usage.pages({ ...full, ...query } as UsageQuery)) rows.push(...page);
    return rows.map((row) => ({ periodStart: row.periodStart.toISOString(), usedBytes: row.usedBytes }));
  }

  beforeAll(async () => {
    h = await startLedger();
    usage = h.app.get(UsageRepository);
    const name = `usage-${randomUUID().slice(0, 8)}`;
    const opened = await h.ledger.openIntent({
      id: randomUUID(),
      tenantId: 'acme',
      providerAccountId: h.accountId,
      provider: 'proxyhat',
      name,
      gatewayNotes: null,
      metadata: {},
      createKey: null,
      evidence: { requested: { name }, echo: { name }, requestId: 'r', startedAt: new Date().toISOString() },
      trafficLimitBytes: null,
      expiresAt: new Date(Date.now() + 15 * 60_000),
    });
    const subUser = providerSubUser({ name });
    let record = (await h.ledger.completeIntent({ intentId: opened.id, subUser, actor, via: 'create' }))!;
    subUserId = record.id;
    // The provider's counter as the sync saw it (the create's answer, 0 bytes, was the baseline).
    const readings: [string, number][] = [
      ['2026-01-30T10:00:00Z', 100],
      ['2026-01-31T10:00:00Z', 300],
      ['2026-02-01T05:00:00Z', 1_000],
      ['2026-02-15T23:59:00Z', 1_500],
      ['2026-03-02T00:30:00Z', 1_600],
    ];
    for (const [when, usedBytes] of readings) {
      const [outcome] = await h.ledger.applySnapshots(
        [{ record, subUser: { ...subUser, traffic: { ...subUser.traffic, usedBytes } } }],
        actor,
        at(when),
      );
      expect(outcome.applied).toBe(true);
      record = await h.db.subUserMapping.findUniqueOrThrow({ where: { id: record.id } });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps a month row per sub-user that is the sum of its days', async () => {
    const rows = await h.db.usageBucket.findMany({
      where: { subUserId, granularity: 'month' },
      orderBy: { periodStart: 'asc' },
    });
    expect(rows.map((row) => [row.periodStart.toISOString(), Number(row.usedBytes)])).toEqual([
      ['2026-01-01T00:00:00.000Z', 300],
      ['2026-02-01T00:00:00.000Z', 1_200],
      ['2026-03-01T00:00:00.000Z', 100],
    ]);
    expect(await read({})).toEqual([
      { periodStart: '2026-01-30T00:00:00.000Z', usedBytes: 100 },
      { periodStart: '2026-01-31T00:00:00.000Z', usedBytes: 200 },
      { periodStart: '2026-02-01T00:00:00.000Z', usedBytes: 700 },
      { periodStart: '2026-02-15T00:00:00.000Z', usedBytes: 500 },
      { periodStart: '2026-03-02T00:00:00.000Z', usedBytes: 100 },
    ]);
  });

  it('answers a window of whole months from the month rows', async () => {
    expect(await read({ granularity: 'month' })).toEqual([
      { periodStart: '2026-01-01T00:00:00.000Z', usedBytes: 300 },
      { periodStart: '2026-02-01T00:00:00.000Z', usedBytes: 1_200 },
      { periodStart: '2026-03-01T00:00:00.000Z', usedBytes: 100 },
    ]);
  });

  it('counts only the days inside a window that starts or ends mid-month', async () => {
    // From Jan 31 (its day counts, Jan 30's does not) to Mar 2 (its day does not): Jan's last day
    // and all of February.
    expect(
      await read({ granularity: 'month', from: at('2026-01-31T00:00:00Z'), to: at('2026-03-02T00:00:00Z') }),
    ).toEqual([
      { periodStart: '2026-01-01T00:00:00.000Z', usedBytes: 200 },
      { periodStart: '2026-02-01T00:00:00.000Z', usedBytes: 1_200 },
    ]);
    // Inside one month: its days alone.
    expect(
      await read({ granularity: 'month', from: at('2026-02-02T00:00:00Z'), to: at('2026-02-20T00:00:00Z') }),
    ).toEqual([{ periodStart: '2026-02-01T00:00:00.000Z', usedBytes: 500 }]);
    // A partial month at the end only.
    expect(
      await read({ granularity: 'month', from: at('2026-02-01T00:00:00Z'), to: at('2026-03-01T12:00:00Z') }),
    ).toEqual([{ periodStart: '2026-02-01T00:00:00.000Z', usedBytes: 1_200 }]);
  });

  it('rolls months up by tenant, from month rows and edge days alike', async () => {
    const rollup = async (from: string, to: string) => {
      const rows: UsageRow[] = [];
      for await (const page of usage.pages({
        from: at(from),
        to: at(to),
        granularity: 'month',
        grouping: { by: 'tenant' },
      }))
        rows.push(...page);
      return rows.map((row) => [row.periodStart.toISOString(), row.group, row.usedBytes]);
    };
    expect(await rollup('2026-01-15T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      ['2026-01-01T00:00:00.000Z', 'acme', 300],
      ['2026-02-01T00:00:00.000Z', 'acme', 1_200],
      ['2026-03-01T00:00:00.000Z', 'acme', 100],
    ]);
  });
});
