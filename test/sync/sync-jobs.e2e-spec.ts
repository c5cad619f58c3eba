import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunningSandbox } from '@app/sandbox';
import { admin, bearer, createKey } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { SyncScheduler } from '../../apps/gateway/src/sync/sync-scheduler';
import { accountIds, auditOf, syncNow, waitForJob } from './sync-helpers';

/** Sync as jobs: one at a time, and the follow-up of deletes a provider finishes later (ProxyHat `deleting`). */
describe('sync jobs and the follow-up of deletes in progress', () => {
  let gateway: RunningGateway;
  let sandbox: RunningSandbox;
  let accounts: { webshare: string; proxyhat: string; iproyal: string };

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, SYNC_FOLLOW_UP_MS: '200' });
    sandbox = sandboxOf(gateway);
    sandbox.control.configure({ asyncDeleteMs: 200 });
    accounts = await accountIds(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => sandbox.control.configure({ latencyMs: 0 }));

  it('follows a ProxyHat delete that answers `deleting` until the sub-user is gone', async () => {
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'proxyhat', name: 'async-delete' })
      .expect(201);
    const deleting = await request(gateway.url)
      .delete(`/v1/sub-users/${created.body.id}`)
      .set(admin)
      .expect(200);
    expect(deleting.body.status).toBe('deleting');

    const deadline = Date.now() + 10_000;
    let status = 'deleting';
    while (status !== 'deleted' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await request(gateway.url).get(`/v1/sub-users/${created.body.id}`).set(admin).expect(200))
        .body.status;
    }
    expect(status).toBe('deleted');
    const events = await auditOf(gateway.url, { targetId: created.body.id, action: 'sub-user.deleted' });
    expect(events.map((event) => event.changes?.after)).toEqual(
      expect.arrayContaining([{ status: 'deleted', confirmedBy: 'follow-up' }]),
    );
  });

  it('leaves a `deleting` sub-user to the next sync when the follow-up is off (SYNC_FOLLOW_UP_MS=0)', async () => {
    const scheduler = gateway.app.get(SyncScheduler);
    scheduler.configure({ followUpMs: 0 });
    try {
      const created = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ provider: 'proxyhat', name: 'async-delete-unfollowed' })
        .expect(201);
      await request(gateway.url).delete(`/v1/sub-users/${created.body.id}`).set(admin).expect(200);
      // Gone at the sandbox after 200 ms; a follow-up every 200 ms would have seen it within ~1 s.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const read = await request(gateway.url).get(`/v1/sub-users/${created.body.id}`).set(admin).expect(200);
      expect(read.body.status).toBe('deleting');
      await syncNow(gateway.url, { providerAccountId: accounts.proxyhat });
      const synced = await request(gateway.url)
        .get(`/v1/sub-users/${created.body.id}`)
        .set(admin)
        .expect(200);
      expect(synced.body.status).toBe('deleted');
    } finally {
      scheduler.configure({ followUpMs: 200 });
    }
  });

  it('returns the active sync instead of starting a second one; admin only; validates the account', async () => {
    sandbox.control.configure({ latencyMs: 300 });
    const first = await request(gateway.url).post('/v1/sync').set(admin).send({}).expect(202);
    const second = await request(gateway.url).post('/v1/sync').set(admin).expect(202);
    const forOne = await request(gateway.url)
      .post('/v1/sync')
      .set(admin)
      .send({ providerAccountId: accounts.proxyhat })
      .expect(202);
    expect(second.body.id).toBe(first.body.id);
    // A sync of every account covers each account.
    expect(forOne.body.id).toBe(first.body.id);

    const keyed = await request(gateway.url)
      .post('/v1/sync')
      .set(admin)
      .set('Idempotency-Key', 'sync-once')
      .send({})
      .expect(202);
    const replay = await request(gateway.url)
      .post('/v1/sync')
      .set(admin)
      .set('Idempotency-Key', 'sync-once')
      .send({})
      .expect(202);
    expect(replay.body).toEqual(keyed.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await waitForJob(gateway.url, first.body.id);

    const reader = await createKey(gateway, {
      name: 'sync-reader',
      scopes: ['sub-users:read', 'sub-users:write'],
    });
    await request(gateway.url).post('/v1/sync').set(bearer(reader.key)).send({}).expect(403);
    const unknown = await request(gateway.url)
      .post('/v1/sync')
      .set(admin)
      .send({ providerAccountId: randomUUID() })
      .expect(422);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');
    await request(gateway.url).post('/v1/sync').set(admin).send({ providerAccountId: 'nope' }).expect(422);

    // Documented in Swagger with its body, answer and errors.
    const docs = (await request(gateway.url).get('/docs-json').expect(200)).body;
    const operation = docs.paths['/v1/sync'].post;
    expect(operation.tags).toEqual(['jobs']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['202', '401', '403', '422']));
    expect(operation.requestBody.content['application/json'].examples).toBeDefined();
  });
});
