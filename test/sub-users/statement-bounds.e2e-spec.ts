import request from 'supertest';
import { databaseClientOf, statementsDuring } from '@app/persistence/testing';
import { JobRunner } from '../../apps/gateway/src/jobs/job-runner.service';
import { SyncScheduler } from '../../apps/gateway/src/sync/sync-scheduler';
import { UsageSampler } from '../../apps/gateway/src/usage/usage-sampler';
import { WebhookDeliverer } from '../../apps/gateway/src/webhooks/webhook-deliverer';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';

/**
 * The database work of one write, counted in round trips on the application's own connections
 * (embedded database, or PostgreSQL with DATABASE_URL): a create with an Idempotency-Key is its
 * key's claim, its intent, and one statement for mapping + audit + outbox + the stored answer; an
 * update and a delete are a read, (the claim,) and one statement. Nothing is skipped to get there:
 * every row is checked afterwards.
 */
describe('round trips of a write', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
    // Warm: the key and the accounts are cached after their first use, as on a running gateway.
    await request(gateway.url).get('/v1/sub-users').set(admin).expect(200);
    for (const provider of ['webshare', 'proxyhat', 'iproyal']) {
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ provider, name: `warm-${provider}` })
        .expect(201);
    }
    // Nothing else may talk to the database while a request is counted: the pollers stop.
    await gateway.app.get(JobRunner).beforeApplicationShutdown();
    await gateway.app.get(WebhookDeliverer).beforeApplicationShutdown();
    await gateway.app.get(SyncScheduler).onApplicationShutdown();
    await gateway.app.get(UsageSampler).onApplicationShutdown();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const db = () => databaseClientOf(gateway.app);
  /**
   * The write's own statements. Authentication's key lookup is not one of them: a running gateway
   * keeps a key for a second (API_KEY_CACHE_LIMITS.ttlMs), so on a busy machine the lookup may
   * fall inside the counted request, once at most.
   */
  const ownWork = async (request: () => Promise<void>) => {
    const statements = await statementsDuring(gateway.app, request);
    const keyLookups = statements.filter((sql) => /FROM "public"\."api_keys"/.test(sql));
    expect(keyLookups.length).toBeLessThanOrEqual(1);
    return statements.filter((sql) => !keyLookups.includes(sql));
  };

  it.each(['webshare', 'proxyhat', 'iproyal'])(
    'a %s create with an Idempotency-Key: 3 round trips, every row written',
    async (provider) => {
      const key = `bounds-${provider}-${Date.now()}`;
      let body: Record<string, any> = {};
      const statements = await ownWork(async () => {
        const response = await request(gateway.url)
          .post('/v1/sub-users')
          .set(admin)
          .set('Idempotency-Key', key)
          .send({ provider, name: `bounds-${provider}`, metadata: { test: 'bounds' } })
          .expect(201);
        body = response.body;
      });
      expect({ count: statements.length, statements }).toEqual({ count: 3, statements: expect.any(Array) });

      const mapping = await db().subUserMapping.findUniqueOrThrow({ where: { id: body.id } });
      expect({
        lifecycle: mapping.lifecycle,
        status: mapping.status,
        intentExpiresAt: mapping.intentExpiresAt,
      }).toEqual({ lifecycle: 'active', status: 'active', intentExpiresAt: null });
      expect(
        (await db().auditEvent.findMany({ where: { targetId: body.id } })).map((row) => row.action),
      ).toEqual(['sub-user.created']);
      expect(
        (await db().outboxEvent.findMany({ where: { subjectId: body.id } })).map((row) => row.type),
      ).toEqual(['sub-user.created']);
      const stored = await db().idempotencyRecord.findFirstOrThrow({ where: { key } });
      expect({ state: stored.state, status: stored.responseStatus, sealed: stored.responseSealed }).toEqual({
        state: 'completed',
        status: 201,
        sealed: true,
      });
      // The stored answer is the answer sent: a retry replays it, byte for byte.
      const replay = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send({ provider, name: `bounds-${provider}`, metadata: { test: 'bounds' } })
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(JSON.stringify(replay.body)).toBe(JSON.stringify(body));
    },
  );

  it('an update (PATCH with If-Match) and a delete: 3 and 2 round trips, every row written', async () => {
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'webshare', name: 'bounds-change' })
      .expect(201);
    const id = created.body.id as string;
    let etag = '';
    const updating = await ownWork(async () => {
      const response = await request(gateway.url)
        .patch(`/v1/sub-users/${id}`)
        .set(admin)
        .set('If-Match', created.headers.etag)
        .send({ name: 'bounds-changed', notes: 'kept by the gateway', metadata: { plan: 'gold' } })
        .expect(200);
      etag = response.headers.etag;
      expect(response.body).toMatchObject({ name: 'bounds-changed', notes: 'kept by the gateway' });
    });
    expect({ count: updating.length, statements: updating }).toEqual({
      count: 3,
      statements: expect.any(Array),
    });
    const deleting = await ownWork(async () => {
      const response = await request(gateway.url)
        .delete(`/v1/sub-users/${id}`)
        .set(admin)
        .set('If-Match', etag)
        .expect(200);
      expect(response.body.status).toBe('deleted');
    });
    expect({ count: deleting.length, statements: deleting }).toEqual({
      count: 2,
      statements: expect.any(Array),
    });

    const mapping = await db().subUserMapping.findUniqueOrThrow({ where: { id } });
    expect({ lifecycle: mapping.lifecycle, version: mapping.version, name: mapping.name }).toEqual({
      lifecycle: 'deleted',
      // 1 as an intent, 2 created, 3 updated, 4 deleted.
      version: 4,
      name: 'bounds-changed',
    });
    const audits = await db().auditEvent.findMany({ where: { targetId: id }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((row) => row.action)).toEqual([
      'sub-user.created',
      'sub-user.updated',
      'sub-user.deleted',
    ]);
    const events = await db().outboxEvent.findMany({ where: { subjectId: id }, orderBy: { seq: 'asc' } });
    expect(events.map((row) => row.type)).toEqual([
      'sub-user.created',
      'sub-user.updated',
      'sub-user.deleted',
    ]);
  });
});
