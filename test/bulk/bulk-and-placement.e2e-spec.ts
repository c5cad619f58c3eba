import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { waitForJob } from '../sub-users/sub-users-helpers';
import { syncNow } from '../sync/sync-helpers';

/** Bulk create and update as jobs, and placement across accounts (reseller operations). */
describe('bulk jobs and placement', () => {
  let gateway: RunningGateway;
  let accounts: Record<string, string>;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '1000' },
      {
        registry: {
          driverOptions: {
            retry: {
              maxAttempts: 2,
              baseDelayMs: 10,
              maxDelayMs: 50,
              retryAfterCapMs: 100,
              maxTotalWaitMs: 300,
            },
            circuit: { threshold: 3, halfOpenAfterMs: 60_000 },
          },
        },
      },
    );
    const list = (await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200)).body;
    const items = (Array.isArray(list) ? list : list.items) as { id: string; name: string }[];
    accounts = Object.fromEntries(items.map((item) => [item.name.replace('-sandbox', ''), item.id]));
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => sandboxOf(gateway).control.clearFaults());

  const createCalls = () => {
    const calls = sandboxOf(gateway).control.calls();
    return {
      webshare: calls['webshare.create'] ?? 0,
      proxyhat: calls['proxyhat.create'] ?? 0,
      iproyal: calls['iproyal.create'] ?? 0,
    };
  };

  it('bulk-creates across providers with one result per item, in order, and reports a bad item without stopping', async () => {
    const prefix = `bulk-${randomUUID().slice(0, 6)}`;
    const items = Array.from({ length: 20 }, (_, index) => ({
      provider: index % 2 === 0 ? 'webshare' : 'proxyhat',
      name: `${prefix}-${index}`,
      metadata: { batch: prefix },
    }));
    items[7] = { provider: 'proxyhat', name: '', metadata: { batch: prefix } };
    items[11] = {
      provider: 'proxyhat',
      name: `${prefix}-11`,
      maxConcurrency: 5,
    } as unknown as (typeof items)[number];
    const accepted = await request(gateway.url)
      .post('/v1/sub-users/bulk-create')
      .set(admin)
      .set('Idempotency-Key', `${prefix}-key`)
      .send({ items })
      .expect(202);
    expect(accepted.body).toMatchObject({ type: 'sub-users.bulk-create', status: 'queued' });
    const job = await waitForJob(gateway, accepted.body.id);
    expect(job.counts).toEqual({ requested: 20, created: 18, updated: 0, failed: 2, skipped: 0 });
    expect(job.results.map((result: { index: number }) => result.index)).toEqual(
      items.map((_, index) => index),
    );
    expect(job.results[7]).toMatchObject({
      outcome: 'failed',
      error: { code: 'VALIDATION_FAILED', status: 422 },
    });
    expect(job.results[11]).toMatchObject({
      outcome: 'failed',
      error: { code: 'UNSUPPORTED_BY_PROVIDER', status: 422 },
    });
    const rows = await prismaOf(gateway).subUserMapping.findMany({
      where: { name: { startsWith: `${prefix}-` } },
    });
    expect(rows).toHaveLength(18);
    // The whole batch is covered by the call's Idempotency-Key: a retry answers the same job.
    const replay = await request(gateway.url)
      .post('/v1/sub-users/bulk-create')
      .set(admin)
      .set('Idempotency-Key', `${prefix}-key`)
      .send({ items })
      .expect(202);
    expect(replay.body.id).toBe(accepted.body.id);
  });

  it('bulk-updates: stale ifMatch items fail with 412, the rest are applied', async () => {
    const created = await Promise.all(
      Array.from(
        { length: 4 },
        async (_, index) =>
          await request(gateway.url)
            .post('/v1/sub-users')
            .set(admin)
            .send({ provider: 'webshare', name: `bulk-upd-${index}-${randomUUID().slice(0, 4)}` })
            .expect(201),
      ),
    );
    const items = created.map((answer, index) => ({
      id: answer.body.id,
      ifMatch: index % 2 === 0 ? answer.headers.etag : '"v999"',
      metadata: { tier: 'gold' },
    }));
    const accepted = await request(gateway.url)
      .post('/v1/sub-users/bulk-update')
      .set(admin)
      .send({ items })
      .expect(202);
    const job = await waitForJob(gateway, accepted.body.id);
    expect(job.counts).toEqual({ requested: 4, created: 0, updated: 2, failed: 2, skipped: 0 });
    expect(
      job.results.map((result: { outcome: string; error?: { status: number } }) => [
        result.outcome,
        result.error?.status ?? null,
      ]),
    ).toEqual([
      ['updated', null],
      ['failed', 412],
      ['updated', null],
      ['failed', 412],
    ]);
    for (const [index, answer] of created.entries()) {
      const current = await request(gateway.url)
        .get(`/v1/sub-users/${answer.body.id}`)
        .set(admin)
        .expect(200);
      expect({ index, metadata: current.body.metadata }).toEqual({
        index,
        metadata: index % 2 === 0 ? { tier: 'gold' } : {},
      });
    }
  });

  it('refuses a placement or a budget that is not an object, before any provider call', async () => {
    // Found by the bad-input property: `placement: [[]]` passed ValidateNested element by element
    // and the create went ahead on a default account (201).
    const before = createCalls();
    const refused = [
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ name: `array-placement-${randomUUID().slice(0, 6)}`, placement: [[]] }),
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({
          name: `array-placement-${randomUUID().slice(0, 6)}`,
          placement: [{ strategy: 'least-used' }],
        }),
      await request(gateway.url)
        .post('/v1/sub-users/bulk-create')
        .set(admin)
        .send({ items: [{ provider: 'proxyhat', name: 'never' }], placement: [] }),
      await request(gateway.url)
        .patch('/v1/tenants/default')
        .set(admin)
        .send({ budget: [{ maxSubUsers: 1, period: 'month' }] }),
    ];
    expect(
      refused.map((response) => ({
        status: response.status,
        type: String(response.headers['content-type']).split(';')[0],
        code: response.body.code,
        fields: (response.body.errors ?? []).map((error: { field: string }) => error.field),
      })),
    ).toEqual(
      Array(4).fill({
        status: 422,
        type: 'application/problem+json',
        code: 'VALIDATION_FAILED',
        fields: [expect.stringMatching(/^(placement|budget)$/)],
      }),
    );
    expect(createCalls()).toEqual(before);
    expect(
      await prismaOf(gateway).subUserMapping.count({ where: { name: { startsWith: 'array-placement-' } } }),
    ).toBe(0);
    expect(
      (await prismaOf(gateway).tenant.findUniqueOrThrow({ where: { id: 'default' } })).budget,
    ).toBeNull();
  });

  it('places a create on an eligible account and says where and why', async () => {
    const answer = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({
        name: `placed-${randomUUID().slice(0, 6)}`,
        placement: { providers: ['webshare', 'proxyhat'], strategy: 'least-used' },
      })
      .expect(201);
    expect([accounts.webshare, accounts.proxyhat]).toContain(answer.body.placement.providerAccountId);
    expect(answer.body.providerAccountId).toBe(answer.body.placement.providerAccountId);
    expect(answer.body.placement.reason).toMatch(/^least-used among 2 eligible accounts/);
    const [audit] = await prismaOf(gateway).auditEvent.findMany({
      where: { targetId: answer.body.id, action: 'sub-user.created', outcome: 'ok' },
    });
    expect((audit.changes as { placement?: unknown }).placement).toEqual(answer.body.placement);
  });

  it('skips an account without prepaid balance and one whose circuit is open', async () => {
    const { control } = sandboxOf(gateway);
    control.setIproyalBalance({ gb: 0 });
    await syncNow(gateway.url, { providerAccountId: accounts.iproyal });
    // ProxyHat keeps failing: its circuit opens.
    control.addFault({ provider: 'proxyhat', operation: '*', mode: 'error', status: 503 });
    for (let attempt = 0; attempt < 3; attempt += 1)
      await syncNow(gateway.url, { providerAccountId: accounts.proxyhat });
    const standing = (await request(gateway.url).get(`/v1/provider-accounts/${accounts.proxyhat}`).set(admin))
      .body;
    expect(standing.circuit).toBe('open');
    const before = createCalls();
    const answer = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({
        name: `skip-${randomUUID().slice(0, 6)}`,
        trafficLimit: '1GB',
        placement: { strategy: 'most-balance' },
      })
      .expect(201);
    expect(answer.body.placement.providerAccountId).toBe(accounts.webshare);
    expect(answer.body.placement.reason).toMatch(/among 1 eligible account/);
    expect(createCalls()).toEqual({ ...before, webshare: before.webshare + 1 });
    control.setIproyalBalance({ gb: 1000 });
  });

  it('tries the next account after a refusal that created nothing, never after a timeout', async () => {
    const { control } = sandboxOf(gateway);
    await syncNow(gateway.url, { providerAccountId: accounts.iproyal });
    const placement = { providers: ['iproyal', 'webshare'], strategy: 'most-balance' };
    // IPRoyal (the most balance) refuses with 429 until retries run out: nothing was created.
    control.addFault({ provider: 'iproyal', operation: 'create', mode: 'rate-limit', retryAfter: 0 });
    let before = createCalls();
    const failedOver = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ name: `failover-${randomUUID().slice(0, 6)}`, trafficLimit: '1GB', placement })
      .expect(201);
    expect(failedOver.body.placement.providerAccountId).toBe(accounts.webshare);
    expect(createCalls().webshare).toBe(before.webshare + 1);
    control.clearFaults();
    // A timeout may have created the sub-user: no second account is tried.
    control.addFault({ provider: 'iproyal', operation: 'create', mode: 'timeout-after', times: 1 });
    before = createCalls();
    const timedOut = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ name: `no-failover-${randomUUID().slice(0, 6)}`, trafficLimit: '1GB', placement });
    expect({ status: timedOut.status, code: timedOut.body.code }).toEqual({
      status: 504,
      code: 'PROVIDER_TIMEOUT',
    });
    expect(createCalls()).toEqual({ ...before, iproyal: before.iproyal + 1 });
  });
});
