import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant, prismaOf, tableText } from '../access/access-helpers';
import { hashApiKey } from '../../apps/gateway/src/access/key-material';

describe('Idempotency-Key over HTTP', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(SANDBOX_ENV);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const tenantCount = () => prismaOf(gateway).tenant.count();

  /** Polls until `condition` holds (a deadline, never a fixed sleep). */
  async function until(condition: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met before the deadline');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('replays the first answer with the same status and body and creates nothing new', async () => {
    const key = randomUUID();
    const first = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'replayed' })
      .expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = await tenantCount();
    const second = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'replayed' })
      .expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await tenantCount()).toBe(before);
  });

  it('ignores key order in the body', async () => {
    const key = randomUUID();
    const first = await request(gateway.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'ordered', scopes: ['sub-users:read'] })
      .expect(201);
    const second = await request(gateway.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('Idempotency-Key', key)
      .set('content-type', 'application/json')
      .send('{"scopes":["sub-users:read"],"name":"ordered"}')
      .expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await prismaOf(gateway).apiKey.count({ where: { name: 'ordered' } })).toBe(1);
  });

  it('refuses the same key with a different body: 409 IDEMPOTENCY_CONFLICT', async () => {
    const key = randomUUID();
    await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'one' })
      .expect(201);
    const response = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'two' })
      .expect(409);
    expect(response.body.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await prismaOf(gateway).tenant.count({ where: { name: 'two' } })).toBe(0);
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS while the first request runs', async () => {
    const key = randomUUID();
    const body = { provider: 'proxyhat', name: `held-${key.slice(0, 8)}` };
    // The provider takes a while: the first request is still running when the second arrives.
    sandboxOf(gateway).control.configure({ latencyMs: 800 });
    try {
      const first = request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(body);
      const firstAnswer = first.then((response) => response);
      await until(async () => (await prismaOf(gateway).idempotencyRecord.count({ where: { key } })) === 1);
      const second = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(body);
      expect({ status: second.status, code: second.body.code }).toEqual({
        status: 409,
        code: 'IDEMPOTENCY_IN_PROGRESS',
      });
      expect((await firstAnswer).status).toBe(201);
      expect(await prismaOf(gateway).subUserMapping.count({ where: { name: body.name } })).toBe(1);
    } finally {
      sandboxOf(gateway).control.configure({ latencyMs: 0 });
    }
  });

  it('lets a retry take over the key of a request that died, once its lease has run out', async () => {
    const key = randomUUID();
    const body = { name: `orphaned-${key.slice(0, 8)}` };
    const { requestHash } = await import('@app/domain');
    // The claim the admin key's own earlier request left (records are per API key).
    const { id: apiKeyId } = await prismaOf(gateway).apiKey.findUniqueOrThrow({
      where: { keyHash: hashApiKey(TEST_ADMIN_KEY) },
    });
    const record = (leaseExpiresAt: Date) => ({
      id: randomUUID(),
      tenantId: 'default',
      apiKeyId,
      method: 'POST',
      path: '/v1/tenants',
      key,
      requestHash: requestHash(body),
      state: 'in_progress',
      expiresAt: new Date(Date.now() + 60_000),
      leaseExpiresAt,
    });
    // What a request that is alive leaves (it renews its lease every few seconds): 409.
    await prismaOf(gateway).idempotencyRecord.create({ data: record(new Date(Date.now() + 8_000)) });
    const blocked = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send(body);
    expect({ status: blocked.status, code: blocked.body.code }).toEqual({
      status: 409,
      code: 'IDEMPOTENCY_IN_PROGRESS',
    });
    // What a crashed process leaves: a lease nobody renews. The retry runs.
    await prismaOf(gateway).idempotencyRecord.deleteMany({ where: { key } });
    await prismaOf(gateway).idempotencyRecord.create({ data: record(new Date(Date.now() - 1_000)) });
    await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(await prismaOf(gateway).tenant.count({ where: { name: body.name } })).toBe(1);
  });

  it('stores and replays a 4xx answer, problem body included', async () => {
    await createTenant(gateway, 'taken');
    const key = randomUUID();
    const first = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'taken' })
      .expect(409);
    const second = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'taken' })
      .expect(409);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.body).toEqual(first.body);
    // A validation failure is stored too.
    const invalidKey = randomUUID();
    const invalid = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', invalidKey)
      .send({ name: '' })
      .expect(422);
    const replayed = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', invalidKey)
      .send({ name: '' })
      .expect(422);
    expect(replayed.body).toEqual(invalid.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
  });

  it('keeps tenants independent: the same key in another tenant runs again', async () => {
    const tenant = await createTenant(gateway, 'other-tenant');
    const tenantAdmin = await createKey(gateway, {
      name: 'other-admin',
      scopes: ['admin'],
      tenantId: tenant.id,
    });
    const key = randomUUID();
    const first = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'per-tenant' })
      .expect(201);
    const second = await request(gateway.url)
      .post('/v1/tenants')
      .set(bearer(tenantAdmin.key))
      .set('Idempotency-Key', key)
      .send({ name: 'per-tenant' })
      .expect(409);
    // Not a replay of the first tenant's answer: it ran, and the name was taken.
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.code).toBe('CONFLICT');
    expect(first.body.name).toBe('per-tenant');
  });

  it('seals stored answers that hold a secret', async () => {
    const key = randomUUID();
    const created = await request(gateway.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'sealed', scopes: ['sub-users:read'] })
      .expect(201);
    const record = await prismaOf(gateway).idempotencyRecord.findFirst({ where: { key } });
    expect(record).toMatchObject({ state: 'completed', responseStatus: 201, responseSealed: true });
    expect(record!.responseBody).not.toContain(created.body.key);
    expect(await tableText(gateway, 'idempotency_records')).not.toContain(created.body.key);
    const replay = await request(gateway.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'sealed', scopes: ['sub-users:read'] })
      .expect(201);
    expect(replay.body.key).toBe(created.body.key);
  });

  it('refuses a malformed key and runs normally without one', async () => {
    for (const bad of ['x'.repeat(256), 'tab\there']) {
      const response = await request(gateway.url)
        .post('/v1/tenants')
        .set(admin)
        .set('Idempotency-Key', bad)
        .send({ name: 'bad-key' });
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    }
    await request(gateway.url).post('/v1/tenants').set(admin).send({ name: 'no-key' }).expect(201);
  });

  it('replaces an expired record when the key is reused', async () => {
    const key = randomUUID();
    await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'expiring' })
      .expect(201);
    await prismaOf(gateway).idempotencyRecord.updateMany({
      where: { key },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const again = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ name: 'expiring-2' })
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not store a 5xx answer: the retry runs again', async () => {
    const key = randomUUID();
    const send = () =>
      request(gateway.url)
        .post('/v1/tenants')
        .set(admin)
        .set('Idempotency-Key', key)
        .send({ name: 'after-outage' });
    // Break the audit table so the create's transaction fails with an unexpected error.
    await prismaOf(gateway).$executeRawUnsafe('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      const failed = await send();
      expect(failed.status).toBe(500);
      expect(failed.body.code).toBe('INTERNAL');
      expect(await prismaOf(gateway).idempotencyRecord.count({ where: { key } })).toBe(0);
    } finally {
      await prismaOf(gateway).$executeRawUnsafe('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    const retried = await send().expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  // Concurrent requests under one key, through two instances on PostgreSQL (where the race can
  // happen): test/reliability/concurrency.e2e-spec.ts.
});
