import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, bearer, createKey, createTenant, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { syncNow } from '../sync/sync-helpers';
import { UsageSampler } from '../../apps/gateway/src/usage/usage-sampler';

const MB = 1024 ** 2;
const GB = 1024 ** 3;
type Provider = 'webshare' | 'proxyhat' | 'iproyal';
const PROVIDERS: Provider[] = ['webshare', 'proxyhat', 'iproyal'];

/** Usage over time, thresholds, budgets, suspend and resume, on every provider of the sandbox. */
describe('usage over time', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const addTraffic = (provider: Provider, subUserId: string, bytes: number) =>
    sandboxOf(gateway).control.addTraffic({
      provider,
      subUserId: provider === 'webshare' ? Number(subUserId) : subUserId,
      bytes,
    });
  const create = async (provider: Provider, body: Record<string, unknown> = {}, as = admin) =>
    (
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(as)
        .send({
          provider,
          name: `usage-${provider}-${randomUUID().slice(0, 6)}`,
          trafficLimit: '1GB',
          ...body,
        })
        .expect(201)
    ).body;
  const series = async (id: string, query: Record<string, string> = {}) =>
    (await request(gateway.url).get(`/v1/sub-users/${id}/usage`).query(query).set(admin).expect(200)).body;
  const eventsOf = async (id: string) =>
    (await prismaOf(gateway).outboxEvent.findMany({ where: { subjectId: id }, orderBy: { seq: 'asc' } })).map(
      (event) => ({ type: event.type, changes: event.changes as Record<string, unknown> | null }),
    );

  it.each(PROVIDERS)(
    '%s: traffic used at the provider shows in the series after a sampling pass',
    async (provider) => {
      const created = await create(provider);
      addTraffic(provider, created.providerSubUserId, 300 * MB);
      await gateway.app.get(UsageSampler).runPass();
      const day = await series(created.id);
      expect(day.totalBytes).toBe(300 * MB);
      expect(day.items).toHaveLength(1);
      expect(day.items[0].usedBytes).toBe(300 * MB);
      const hour = await series(created.id, { granularity: 'hour' });
      expect(hour.totalBytes).toBe(300 * MB);
      const fetched = await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin).expect(200);
      expect(fetched.body.traffic).toMatchObject({ usedBytes: 300 * MB, lifetimeUsedBytes: 300 * MB });
    },
  );

  it.each(['webshare', 'proxyhat'] as const)(
    '%s: after the provider resets its counter, the lifetime counter and the series keep counting',
    async (provider) => {
      const created = await create(provider);
      addTraffic(provider, created.providerSubUserId, 100 * MB);
      await syncNow(gateway.url);
      if (provider === 'webshare') {
        sandboxOf(gateway).control.resetPeriod({ provider, subUserId: Number(created.providerSubUserId) });
      } else {
        await request(gateway.url).post(`/v1/sub-users/${created.id}/reset-usage`).set(admin).expect(200);
      }
      addTraffic(provider, created.providerSubUserId, 40 * MB);
      await syncNow(gateway.url);
      const fetched = await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin).expect(200);
      expect(fetched.body.traffic).toMatchObject({ usedBytes: 40 * MB, lifetimeUsedBytes: 140 * MB });
      expect((await series(created.id)).totalBytes).toBe(140 * MB);
    },
  );

  it('announces 80% and 100% once each per period, and again after a reset', async () => {
    const created = await create('proxyhat', { trafficLimit: '100MB' });
    const step = async (bytes: number) => {
      addTraffic('proxyhat', created.providerSubUserId, bytes);
      await syncNow(gateway.url);
    };
    await step(85 * MB);
    await step(1 * MB);
    await step(20 * MB);
    await step(1 * MB);
    const crossings = (await eventsOf(created.id))
      .filter(
        (event) => event.type === 'sub-user.usage-threshold' || event.type === 'sub-user.traffic-exhausted',
      )
      .map((event) => [event.type, event.changes?.threshold ?? null]);
    expect(crossings).toEqual([
      ['sub-user.usage-threshold', 80],
      ['sub-user.usage-threshold', 90],
      ['sub-user.usage-threshold', 100],
      ['sub-user.traffic-exhausted', null],
    ]);
    // A new period (the provider's counter reset) announces again.
    await request(gateway.url).post(`/v1/sub-users/${created.id}/reset-usage`).set(admin).expect(200);
    await step(81 * MB);
    const again = (await eventsOf(created.id)).filter((event) => event.type === 'sub-user.usage-threshold');
    expect(again.map((event) => event.changes?.threshold)).toEqual([80, 90, 100, 80]);
  });

  it('uses each tenant’s own thresholds', async () => {
    const tenant = await createTenant(gateway, `thresholds-${randomUUID().slice(0, 6)}`);
    await request(gateway.url)
      .patch(`/v1/tenants/${tenant.id}`)
      .set(admin)
      .send({ usageThresholds: [50] })
      .expect(200);
    const created = await create('proxyhat', { trafficLimit: '100MB', tenantId: tenant.id });
    addTraffic('proxyhat', created.providerSubUserId, 60 * MB);
    await syncNow(gateway.url);
    const thresholds = (await eventsOf(created.id))
      .filter((event) => event.type === 'sub-user.usage-threshold')
      .map((event) => event.changes?.threshold);
    expect(thresholds).toEqual([50]);
  });

  it('refuses a create or a limit past the tenant’s budget with 422 QUOTA_EXCEEDED before any provider call', async () => {
    const tenant = await createTenant(gateway, `budget-${randomUUID().slice(0, 6)}`);
    const key = await createKey(gateway, {
      name: 'budget-key',
      scopes: ['sub-users:read', 'sub-users:write'],
      tenantId: tenant.id,
    });
    await request(gateway.url)
      .patch(`/v1/tenants/${tenant.id}`)
      .set(admin)
      .send({ budget: { maxSubUsers: 2, maxTrafficBytes: 3 * GB, period: 'month' } })
      .expect(200);
    const first = await create('proxyhat', { trafficLimit: '2GB' }, bearer(key.key));
    const calls = () => sandboxOf(gateway).control.calls();
    const before = calls();
    const overLimit = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(key.key))
      .send({ provider: 'proxyhat', name: `over-${randomUUID().slice(0, 6)}`, trafficLimit: '2GB' });
    expect({ status: overLimit.status, code: overLimit.body.code }).toEqual({
      status: 422,
      code: 'QUOTA_EXCEEDED',
    });
    const unlimited = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(key.key))
      .send({ provider: 'proxyhat', name: `unlimited-${randomUUID().slice(0, 6)}` });
    expect(unlimited.body.code).toBe('QUOTA_EXCEEDED');
    const raise = await request(gateway.url)
      .patch(`/v1/sub-users/${first.id}`)
      .set(bearer(key.key))
      .send({ trafficLimit: '4GB' });
    expect({ status: raise.status, code: raise.body.code }).toEqual({ status: 422, code: 'QUOTA_EXCEEDED' });
    expect(calls()).toEqual(before);
    await create('proxyhat', { trafficLimit: '1GB' }, bearer(key.key));
    const third = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(key.key))
      .send({ provider: 'proxyhat', name: `third-${randomUUID().slice(0, 6)}`, trafficLimit: '1MB' });
    expect(third.body.code).toBe('QUOTA_EXCEEDED');
  });

  it('announces usage over the tenant’s budget once per period and, with onExceed=suspend, suspends its sub-users', async () => {
    const tenant = await createTenant(gateway, `overuse-${randomUUID().slice(0, 6)}`);
    await request(gateway.url)
      .patch(`/v1/tenants/${tenant.id}`)
      .set(admin)
      .send({ budget: { maxTrafficBytes: 2 * GB, period: 'month', onExceed: 'suspend' } })
      .expect(200);
    const [a, b] = [
      await create('proxyhat', { trafficLimit: '1GB', tenantId: tenant.id }),
      await create('webshare', { trafficLimit: '1GB', tenantId: tenant.id }),
    ];
    addTraffic('proxyhat', a.providerSubUserId, 900 * MB);
    addTraffic('webshare', b.providerSubUserId, 900 * MB);
    await gateway.app.get(UsageSampler).runPass();
    const announced = () =>
      prismaOf(gateway).outboxEvent.count({
        where: { subjectId: tenant.id, type: 'tenant.budget-exceeded' },
      });
    expect(await announced()).toBe(0);
    addTraffic('webshare', b.providerSubUserId, 300 * MB);
    await gateway.app.get(UsageSampler).runPass();
    await gateway.app.get(UsageSampler).runPass();
    expect(await announced()).toBe(1);
    const deadline = Date.now() + 20_000;
    let statuses: string[] = [];
    while (Date.now() < deadline) {
      statuses = await Promise.all(
        [a, b].map(
          async (item) => (await request(gateway.url).get(`/v1/sub-users/${item.id}`).set(admin)).body.status,
        ),
      );
      if (statuses.every((status) => status === 'suspended')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(statuses).toEqual(['suspended', 'suspended']);
  });

  it.each(PROVIDERS)(
    '%s: suspend lowers the provider-side limit to what was used, resume gives the previous one back',
    async (provider) => {
      const created = await create(provider, { trafficLimit: '1GB' });
      addTraffic(provider, created.providerSubUserId, 10 * MB);
      const suspended = await request(gateway.url)
        .post(`/v1/sub-users/${created.id}/suspend`)
        .set(admin)
        .expect(200);
      expect(suspended.body).toMatchObject({
        status: 'suspended',
        suspension: { mode: 'emulated', resumeLimitBytes: GB },
        traffic: { limitBytes: 10 * MB },
      });
      // Idempotent, and a sync keeps it suspended.
      await request(gateway.url).post(`/v1/sub-users/${created.id}/suspend`).set(admin).expect(200);
      await syncNow(gateway.url);
      expect((await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin)).body.status).toBe(
        'suspended',
      );
      // A new limit while suspended is the one resume gives back.
      await request(gateway.url)
        .patch(`/v1/sub-users/${created.id}`)
        .set(admin)
        .send({ trafficLimit: '2GB' })
        .expect(200);
      const resumed = await request(gateway.url)
        .post(`/v1/sub-users/${created.id}/resume`)
        .set(admin)
        .expect(200);
      expect(resumed.body).toMatchObject({
        status: 'active',
        suspension: null,
        traffic: { limitBytes: 2 * GB },
      });
      const fresh = await request(gateway.url)
        .get(`/v1/sub-users/${created.id}?fresh=true`)
        .set(admin)
        .expect(200);
      expect(fresh.body.traffic.limitBytes).toBe(2 * GB);
      expect((await eventsOf(created.id)).map((event) => event.type)).toEqual(
        expect.arrayContaining(['sub-user.suspended', 'sub-user.resumed']),
      );
    },
  );

  it('exports CSV and NDJSON that add up to the JSON totals', async () => {
    const [a, b] = [await create('webshare'), await create('proxyhat')];
    addTraffic('webshare', a.providerSubUserId, 7 * MB);
    addTraffic('proxyhat', b.providerSubUserId, 9 * MB);
    await syncNow(gateway.url);
    const query = { groupBy: 'provider', granularity: 'day' };
    const json = (await request(gateway.url).get('/v1/usage').query(query).set(admin).expect(200)).body;
    const csv = await request(gateway.url)
      .get('/v1/usage')
      .query(query)
      .set(admin)
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...lines] = csv.text.trim().split('\n');
    expect(header).toBe('periodStart,group,usedBytes');
    const csvTotal = lines.reduce((sum, line) => sum + Number(line.split(',')[2]), 0);
    const ndjson = await request(gateway.url)
      .get('/v1/usage')
      .query(query)
      .set(admin)
      .set('Accept', 'application/x-ndjson')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const ndTotal = (ndjson.body as string)
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + (JSON.parse(line) as { usedBytes: number }).usedBytes, 0);
    expect(json.totalBytes).toBe(
      json.items.reduce((sum: number, item: { usedBytes: number }) => sum + item.usedBytes, 0),
    );
    expect({ csv: csvTotal, ndjson: ndTotal }).toEqual({ csv: json.totalBytes, ndjson: json.totalBytes });
    expect(json.totalBytes).toBeGreaterThanOrEqual(16 * MB);
  });

  it('keeps a tenant key to its own tenant’s usage, and refuses bad windows with 422', async () => {
    const tenant = await createTenant(gateway, `own-usage-${randomUUID().slice(0, 6)}`);
    const key = await createKey(gateway, { name: 'reader', scopes: ['sub-users:read'], tenantId: tenant.id });
    const rows = (
      await request(gateway.url)
        .get('/v1/usage')
        .query({ groupBy: 'tenant' })
        .set(bearer(key.key))
        .expect(200)
    ).body.items as { group: string }[];
    expect(rows.every((row) => row.group === tenant.id)).toBe(true);
    for (const query of [
      { from: '-200000-01-01T00:00:00Z' },
      { from: '2026-02-30T00:00:00Z' },
      { from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' },
      { granularity: 'week' },
      { groupBy: 'metadata.' },
    ]) {
      const refused = await request(gateway.url).get('/v1/usage').query(query).set(admin);
      expect({ query, status: refused.status, code: refused.body.code }).toEqual({
        query,
        status: 422,
        code: 'VALIDATION_FAILED',
      });
    }
  });
});
