import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, prismaOf, tenantWithKey as tenantWithKeyOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { syncNow } from '../sync/sync-helpers';
import { BudgetWatcher } from '../../apps/gateway/src/usage/budget-watcher';
import { GB, MB, addTraffic, createLimited } from './usage-helpers';

/** What a reseller acts on: budget announcements (once), and usage exports (safe to open, own tenant only). */
describe('usage: budget announcements and exports', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const tenantWithKey = () => tenantWithKeyOf(gateway, 'usage');
  const setBudget = (tenantId: string, budget: Record<string, unknown>) =>
    request(gateway.url).patch(`/v1/tenants/${tenantId}`).set(admin).send({ budget }).expect(200);

  it('an overused budget is announced and acted on once, by checks at once and after the budget is saved again', async () => {
    const { tenant } = await tenantWithKey();
    const budget = { maxTrafficBytes: GB, period: 'month', onExceed: 'suspend' };
    await setBudget(tenant.id, budget);
    const created = await createLimited(gateway, 'proxyhat', { tenantId: tenant.id });
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, GB + MB);
    await syncNow(gateway.url);
    const watcher = gateway.app.get(BudgetWatcher);
    const counts = async () => ({
      announced: await prismaOf(gateway).outboxEvent.count({
        where: { subjectId: tenant.id, type: 'tenant.budget-exceeded' },
      }),
      suspensions: await prismaOf(gateway).job.count({
        where: { tenantId: tenant.id, type: 'tenant.suspend-all' },
      }),
    });
    // Every replica checks after the shared sampling pass.
    await Promise.all([watcher.check(), watcher.check()]);
    expect(await counts()).toEqual({ announced: 1, suspensions: 1 });
    // Saved again with another change: the period's overuse stays announced.
    await setBudget(tenant.id, { ...budget, maxSubUsers: 100 });
    await watcher.check();
    expect(await counts()).toEqual({ announced: 1, suspensions: 1 });
    // A new traffic budget, still passed: announced again.
    await setBudget(tenant.id, { ...budget, maxTrafficBytes: GB / 2 });
    await watcher.check();
    expect(await counts()).toEqual({ announced: 2, suspensions: 2 });
  });

  it('an overuse announced under onExceed: notify is acted on once the budget says suspend', async () => {
    const { tenant } = await tenantWithKey();
    const budget = { maxTrafficBytes: GB, period: 'month', onExceed: 'notify' };
    await setBudget(tenant.id, budget);
    const created = await createLimited(gateway, 'webshare', { tenantId: tenant.id });
    addTraffic(gateway, 'webshare', created.providerSubUserId, GB + MB);
    await syncNow(gateway.url);
    const watcher = gateway.app.get(BudgetWatcher);
    await watcher.check();
    const suspensions = () =>
      prismaOf(gateway).job.count({ where: { tenantId: tenant.id, type: 'tenant.suspend-all' } });
    expect(await suspensions()).toBe(0);
    await setBudget(tenant.id, { ...budget, onExceed: 'suspend' });
    await watcher.check();
    expect(await suspensions()).toBe(1);
  });

  it('writes tags that look like spreadsheet formulas as text in CSV', async () => {
    const tag = `tag-${randomUUID().slice(0, 6)}`;
    const formulas = ['=1+2', '+SUM(A1:A2)', '-3+4', '@A1'];
    for (const formula of formulas) {
      const created = await createLimited(gateway, 'webshare', { metadata: { [tag]: formula } });
      addTraffic(gateway, 'webshare', created.providerSubUserId, MB);
    }
    await syncNow(gateway.url);
    const csv = await request(gateway.url)
      .get('/v1/usage')
      .query({ groupBy: `metadata.${tag}` })
      .set(admin)
      .set('Accept', 'text/csv')
      .expect(200);
    const groups = csv.text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1])
      .filter((group) => group !== ''); // the usage of sub-users without the tag
    expect(groups.sort()).toEqual(formulas.map((formula) => `'${formula}`).sort());
  });

  it('never shows a tenant the tags another tenant gave a sub-user moved to it', async () => {
    const from = await tenantWithKey();
    const to = await tenantWithKey();
    const created = await createLimited(
      gateway,
      'proxyhat',
      { metadata: { customer: 'a-customer' } },
      from.as,
    );
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, 5 * MB);
    await syncNow(gateway.url);
    await request(gateway.url)
      .patch(`/v1/sub-users/${created.id}`)
      .set(admin)
      .send({ tenantId: to.tenant.id })
      .expect(200);
    await request(gateway.url)
      .patch(`/v1/sub-users/${created.id}`)
      .set(to.as)
      .send({ metadata: { customer: 'b-secret-customer' } })
      .expect(200);
    const rows = (
      await request(gateway.url)
        .get('/v1/usage')
        .query({ groupBy: 'metadata.customer' })
        .set(from.as)
        .expect(200)
    ).body as { items: { group: string | null; usedBytes: number }[]; totalBytes: number };
    expect(rows.items.map((row) => row.group)).not.toContain('b-secret-customer');
    // Its usage while it was theirs is still theirs, ungrouped.
    expect(rows.totalBytes).toBe(5 * MB);
  });
});
