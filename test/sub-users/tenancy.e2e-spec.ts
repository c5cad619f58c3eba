import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant } from '../access/access-helpers';
import { FAST_REGISTRY, createSubUser, waitForJob } from './sub-users-helpers';

/** Tenant keys over /v1/sub-users: another tenant's sub-users do not exist for them (sandbox, real database). */
describe('/v1/sub-users tenancy', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800' },
      { registry: FAST_REGISTRY },
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('hides other tenants’ sub-users (404, never 403) and creates in the key’s own tenant', async () => {
    const tenant = await createTenant(gateway, 'acme');
    const acme = await createKey(gateway, {
      name: 'acme-writer',
      tenantId: tenant.id,
      scopes: ['sub-users:read', 'sub-users:write'],
    });
    const mine = await createSubUser(gateway, { provider: 'webshare', name: 'acme-1' }, bearer(acme.key));
    expect(mine.tenantId).toBe(tenant.id);
    const adminOwned = await createSubUser(gateway, { provider: 'webshare', name: 'admin-only' });

    const hidden = await request(gateway.url)
      .get(`/v1/sub-users/${adminOwned.id}`)
      .set(bearer(acme.key))
      .expect(404);
    expect(hidden.body.code).toBe('NOT_FOUND');
    await request(gateway.url)
      .patch(`/v1/sub-users/${adminOwned.id}`)
      .set(bearer(acme.key))
      .send({ name: 'x' })
      .expect(404);
    await request(gateway.url).delete(`/v1/sub-users/${adminOwned.id}`).set(bearer(acme.key)).expect(404);
    const list = await request(gateway.url).get('/v1/sub-users?limit=500').set(bearer(acme.key)).expect(200);
    expect(list.body.items.map((item: any) => item.id)).toEqual([mine.id]);

    const foreignTenant = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(acme.key))
      .send({ provider: 'webshare', name: 'sneaky', tenantId: 'default' })
      .expect(403);
    expect(foreignTenant.body.code).toBe('FORBIDDEN');

    const job = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(bearer(acme.key))
      .send({ ids: [adminOwned.id, mine.id] })
      .expect(202);
    const done = await waitForJob(gateway, job.body.id, bearer(acme.key));
    expect(done.counts).toEqual({ requested: 2, deleted: 1, skipped: 0, notFound: 1, failed: 0 });
    const still = await request(gateway.url)
      .get(`/v1/sub-users/${adminOwned.id}?fresh=true`)
      .set(admin)
      .expect(200);
    expect(still.body.status).toBe('active');
  });

  it('lets a read-only key read but not write', async () => {
    const reader = await createKey(gateway, { name: 'reader-only', scopes: ['sub-users:read'] });
    await request(gateway.url).get('/v1/sub-users').set(bearer(reader.key)).expect(200);
    const refused = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(reader.key))
      .send({ provider: 'webshare', name: 'no' })
      .expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
  });
});
