import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, bearer, createKey, createTenant } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';

/** What a hostile review of the bulk jobs found: ids spelled in capitals, budgets raced by concurrent changes. */
describe('bulk jobs: edge cases', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV }, { registry: FAST_REGISTRY });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  async function tenantWithKey(budget?: Record<string, unknown>) {
    const tenant = await createTenant(gateway, `edge-${randomUUID().slice(0, 8)}`);
    if (budget) {
      await request(gateway.url).patch(`/v1/tenants/${tenant.id}`).set(admin).send({ budget }).expect(200);
    }
    const key = await createKey(gateway, {
      name: 'edge',
      scopes: ['sub-users:read', 'sub-users:write'],
      tenantId: tenant.id,
    });
    return { tenant, as: bearer(key.key) };
  }

  it('bulk-deletes and bulk-updates ids spelled in capitals as the sub-users they name', async () => {
    const { as } = await tenantWithKey();
    const doomed = await createSubUser(gateway, { provider: 'iproyal', name: 'caps-delete' }, as);
    const kept = await createSubUser(gateway, { provider: 'iproyal', name: 'caps-update' }, as);

    const deletion = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(as)
      .send({ ids: [doomed.id.toUpperCase()] })
      .expect(202);
    const deleted = await waitForJob(gateway, deletion.body.id, as);
    expect(deleted.counts).toMatchObject({ requested: 1, deleted: 1, notFound: 0 });
    expect(deleted.results).toEqual([{ id: doomed.id, outcome: 'deleted' }]);
    const gone = await request(gateway.url).get(`/v1/sub-users/${doomed.id}`).set(as).expect(200);
    expect(gone.body.status).toBe('deleted');

    const update = await request(gateway.url)
      .post('/v1/sub-users/bulk-update')
      .set(as)
      .send({ items: [{ id: kept.id.toUpperCase(), metadata: { plan: 'gold' } }] })
      .expect(202);
    const updated = await waitForJob(gateway, update.body.id, as);
    expect(updated.results).toEqual([{ index: 0, id: kept.id, outcome: 'updated' }]);
    const after = await request(gateway.url).get(`/v1/sub-users/${kept.id}`).set(as).expect(200);
    expect(after.body.metadata).toEqual({ plan: 'gold' });
  });

  it('creates on, and lists by, an account id spelled in capitals', async () => {
    const accounts = (await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200)).body
      .items as { id: string; name: string }[];
    const iproyal = accounts.find((account) => account.name === 'iproyal-sandbox')!;
    const { as } = await tenantWithKey();
    const created = await createSubUser(
      gateway,
      { providerAccountId: iproyal.id.toUpperCase(), name: 'caps' },
      as,
    );
    expect(created.providerAccountId).toBe(iproyal.id);
    const listed = await request(gateway.url)
      .get(`/v1/sub-users?providerAccountId=${iproyal.id.toUpperCase()}`)
      .set(as)
      .expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([created.id]);
  });
});
