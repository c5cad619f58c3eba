import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { IdempotencyRepository } from '@app/persistence';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant, prismaOf, tenantWithKey } from '../access/access-helpers';
import { waitForJob } from '../sub-users/sub-users-helpers';

/**
 * Whose an Idempotency-Key's answer is (the API key that made it), how long a create holds its key,
 * and that a write and its stored answer are one transaction (a crash between them cannot make the
 * thing twice). The key's basic behaviour: idempotency.e2e-spec.ts.
 */
describe('Idempotency-Key: scope, retention and atomicity', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(SANDBOX_ENV);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe('a stored answer goes back only to the API key that made it', () => {
    it('an admin’s rotate-password on another tenant is not replayed to a key of the admin’s tenant', async () => {
      const victim = await tenantWithKey(gateway, 'victim');
      const created = await request(gateway.url)
        .post('/v1/sub-users')
        .set(victim.as)
        .send({ provider: 'proxyhat', name: `victim-${randomUUID().slice(0, 8)}` })
        .expect(201);
      const key = `rotate-${randomUUID()}`;
      const rotated = await request(gateway.url)
        .post(`/v1/sub-users/${created.body.id}/rotate-password`)
        .set(admin)
        .set('Idempotency-Key', key)
        .expect(200);
      expect(rotated.body.password).toEqual(expect.any(String));
      // A key of the admin's own tenant ('default') with every scope the route asks for.
      const service = await createKey(gateway, {
        name: `default-service-${randomUUID().slice(0, 6)}`,
        scopes: ['sub-users:read', 'sub-users:write', 'sub-users:credentials'],
      });
      const replay = await request(gateway.url)
        .post(`/v1/sub-users/${created.body.id}/rotate-password`)
        .set(bearer(service.key))
        .set('Idempotency-Key', key);
      expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(JSON.stringify(replay.body)).not.toContain(rotated.body.password);
      // The admin's own retry is still the replay.
      const again = await request(gateway.url)
        .post(`/v1/sub-users/${created.body.id}/rotate-password`)
        .set(admin)
        .set('Idempotency-Key', key)
        .expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.password).toBe(rotated.body.password);
    });

    it('an admin’s create in another tenant is not replayed to a key that may not create there', async () => {
      const tenant = await createTenant(gateway, `target-${randomUUID().slice(0, 8)}`);
      const body = {
        provider: 'proxyhat',
        name: `admin-made-${randomUUID().slice(0, 8)}`,
        tenantId: tenant.id,
      };
      const key = `create-${randomUUID()}`;
      const first = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(first.body.proxyPassword).toEqual(expect.any(String));
      const writer = await createKey(gateway, {
        name: `default-writer-${randomUUID().slice(0, 6)}`,
        scopes: ['sub-users:write'],
      });
      const replay = await request(gateway.url)
        .post('/v1/sub-users')
        .set(bearer(writer.key))
        .set('Idempotency-Key', key)
        .send(body);
      expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(JSON.stringify(replay.body)).not.toContain(first.body.proxyPassword);
    });
  });

  it('a create’s Idempotency-Key is free for a new create once its 24 hours are over', async () => {
    const key = `reused-${randomUUID()}`;
    const made = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ provider: 'proxyhat', name: `day-one-${randomUUID().slice(0, 8)}` })
      .expect(201);
    const sameDay = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ provider: 'proxyhat', name: `day-one-other-${randomUUID().slice(0, 8)}` });
    expect(sameDay.body.code).toBe('IDEMPOTENCY_CONFLICT');
    // 25 hours later: the stored answer has expired, and the sub-user was made then.
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    await prismaOf(gateway).idempotencyRecord.updateMany({ where: { key }, data: { expiresAt: dayAgo } });
    await prismaOf(gateway).subUserMapping.update({
      where: { id: made.body.id },
      data: { createdAt: dayAgo },
    });
    const nextDay = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ provider: 'proxyhat', name: `day-two-${randomUUID().slice(0, 8)}` })
      .expect(201);
    expect(nextDay.body.id).not.toBe(made.body.id);
    // The new create holds the key now; the old sub-user is untouched.
    const retried = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ provider: 'proxyhat', name: nextDay.body.name })
      .expect(201);
    expect(retried.body.id).toBe(nextDay.body.id);
    const old = await request(gateway.url).get(`/v1/sub-users/${made.body.id}`).set(admin).expect(200);
    expect(old.body.status).toBe('active');
  });

  it('a bulk create retried after a crash between queuing its job and storing the 202 runs the batch once', async () => {
    const prefix = `crash-${randomUUID().slice(0, 6)}`;
    const items = [0, 1, 2].map((index) => ({ provider: 'proxyhat', name: `${prefix}-${index}` }));
    const key = `${prefix}-key`;
    const accepted = await request(gateway.url)
      .post('/v1/sub-users/bulk-create')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ items })
      .expect(202);
    await waitForJob(gateway, accepted.body.id);
    // The job and the stored 202 were written together: a crash leaves both or neither.
    const stored = await prismaOf(gateway).idempotencyRecord.findFirstOrThrow({ where: { key } });
    expect({ state: stored.state, status: stored.responseStatus }).toEqual({
      state: 'completed',
      status: 202,
    });
    const retried = await request(gateway.url)
      .post('/v1/sub-users/bulk-create')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ items })
      .expect(202);
    expect(retried.body.id).toBe(accepted.body.id);
    expect(await prismaOf(gateway).subUserMapping.count({ where: { name: { startsWith: prefix } } })).toBe(3);
  });

  it('a key whose answer cannot be stored is not made: the write and its stored answer are one transaction', async () => {
    const records = gateway.app.get(IdempotencyRepository);
    const store = jest.spyOn(records, 'complete').mockImplementationOnce(() => {
      throw new Error('the database went away while storing the answer');
    });
    const key = randomUUID();
    const name = `atomic-${key.slice(0, 8)}`;
    const send = () =>
      request(gateway.url)
        .post('/v1/api-keys')
        .set(admin)
        .set('Idempotency-Key', key)
        .send({ name, scopes: ['sub-users:read'] });
    try {
      expect((await send()).status).toBe(500);
      expect(store).toHaveBeenCalledTimes(1);
    } finally {
      store.mockRestore();
    }
    expect(await prismaOf(gateway).apiKey.count({ where: { name } })).toBe(0);
    const made = await send().expect(201);
    const replayed = await send().expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(made.body);
    expect(await prismaOf(gateway).apiKey.count({ where: { name } })).toBe(1);
  });

  it('a request whose claim was taken over meanwhile makes nothing: 409, and the retry replays the other attempt', async () => {
    const records = gateway.app.get(IdempotencyRepository);
    // What complete() finds when a retry took the claim over after this request's lease ran out.
    const store = jest.spyOn(records, 'complete').mockResolvedValueOnce(false);
    const key = randomUUID();
    const name = `taken-over-${key.slice(0, 8)}`;
    try {
      const late = await request(gateway.url)
        .post('/v1/api-keys')
        .set(admin)
        .set('Idempotency-Key', key)
        .send({ name, scopes: ['sub-users:read'] });
      expect({ status: late.status, code: late.body.code }).toEqual({
        status: 409,
        code: 'IDEMPOTENCY_IN_PROGRESS',
      });
    } finally {
      store.mockRestore();
    }
    expect(await prismaOf(gateway).apiKey.count({ where: { name } })).toBe(0);
  });

  it('a record stored before records were per API key still answers its retry until it expires', async () => {
    const key = randomUUID();
    const body = { name: `legacy-${key.slice(0, 8)}` };
    const { requestHash } = await import('@app/domain');
    const stored = { id: 'legacy-tenant', name: body.name };
    await prismaOf(gateway).idempotencyRecord.create({
      data: {
        id: randomUUID(),
        tenantId: 'default',
        apiKeyId: '',
        method: 'POST',
        path: '/v1/tenants',
        key,
        requestHash: requestHash(body),
        state: 'completed',
        responseStatus: 201,
        responseBody: JSON.stringify(stored),
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const retried = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toEqual(stored);
    expect(await prismaOf(gateway).tenant.count({ where: { name: body.name } })).toBe(0);
  });
});
