import request from 'supertest';
import { RunningGateway, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant, prismaOf, tableText } from './access-helpers';

describe('API keys, scopes and tenants over HTTP', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe('authentication', () => {
    it('refuses a /v1 route without a key: 401 problem with WWW-Authenticate', async () => {
      const response = await request(gateway.url).get('/v1/api-keys').expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', source: 'gateway' });
    });

    it.each([
      ['an unknown key', 'Bearer sgw_unknown_key_000000000000000000000000'],
      ['another scheme', `Basic ${TEST_ADMIN_KEY}`],
      ['an empty bearer', 'Bearer '],
    ])('refuses %s with 401', async (_label, header) => {
      const response = await request(gateway.url).get('/v1/tenants').set('Authorization', header).expect(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(JSON.stringify(response.body)).not.toContain(TEST_ADMIN_KEY);
    });

    it('answers health and the OpenAPI document without a key', async () => {
      await request(gateway.url).get('/health/live').expect(200);
      await request(gateway.url).get('/health/ready').expect(200);
      const docs = await request(gateway.url).get('/docs-json').expect(200);
      expect(docs.body.paths['/v1/api-keys'].post).toBeDefined();
      expect(docs.body.paths['/v1/api-keys'].post.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
      );
      expect(docs.body.paths['/v1/tenants'].get.responses['200']).toBeDefined();
      expect(docs.body.paths['/v1/audit-events'].get.tags).toEqual(['audit']);
      expect(docs.body.components.schemas.CreatedApiKeyDto.properties.key).toBeDefined();
    });

    it('bootstraps the configured admin key in the default tenant', async () => {
      const response = await request(gateway.url).get('/v1/api-keys').set(admin).expect(200);
      const bootstrap = response.body.items.find((item: { name: string }) => item.name === 'bootstrap-admin');
      expect(bootstrap).toMatchObject({ tenantId: 'default', scopes: ['admin'], revokedAt: null });
      const tenants = await request(gateway.url).get('/v1/tenants').set(admin).expect(200);
      expect(tenants.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'default', name: 'default' })]),
      );
    });
  });

  describe('keys', () => {
    it('creates a key that works at once, shown once, stored only as a hash', async () => {
      const response = await request(gateway.url)
        .post('/v1/api-keys')
        .set(admin)
        .send({ name: 'reader', scopes: ['sub-users:read'] })
        .expect(201);
      const created = response.body;
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'reader',
        tenantId: 'default',
        scopes: ['sub-users:read'],
        prefix: created.key.slice(0, 12),
        createdAt: expect.any(String),
        revokedAt: null,
        lastUsedAt: null,
        key: expect.stringMatching(/^sgw_[A-Za-z0-9_-]{43}$/),
      });
      await request(gateway.url).get('/v1/audit-events').set(bearer(created.key)).expect(200);

      const list = await request(gateway.url).get('/v1/api-keys').set(admin).expect(200);
      const text = JSON.stringify(list.body);
      expect(text).not.toContain(created.key);
      expect(text).not.toMatch(/keyHash|"key"/);
      for (const table of ['api_keys', 'audit_events', 'idempotency_records']) {
        expect(await tableText(gateway, table)).not.toContain(created.key);
      }
      const row = await prismaOf(gateway).apiKey.findUnique({ where: { id: created.id } });
      expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses a key without the scope with 403 naming the scope', async () => {
      const reader = await createKey(gateway, { name: 'reader-2', scopes: ['sub-users:read'] });
      const response = await request(gateway.url)
        .post('/v1/api-keys')
        .set(bearer(reader.key))
        .send({ name: 'escalate', scopes: ['admin'] })
        .expect(403);
      expect(response.body).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'admin' });
      expect(response.body.detail).toContain("'admin'");
      await request(gateway.url).get('/v1/tenants').set(bearer(reader.key)).expect(403);
      await request(gateway.url).delete(`/v1/api-keys/${reader.id}`).set(bearer(reader.key)).expect(403);
    });

    it('stops a revoked key on the very next request', async () => {
      const key = await createKey(gateway, { name: 'short-lived', scopes: ['sub-users:read'] });
      await request(gateway.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
      const revoked = await request(gateway.url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
      expect(revoked.body).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
      expect(revoked.body.key).toBeUndefined();
      await request(gateway.url).get('/v1/audit-events').set(bearer(key.key)).expect(401);
      // Revoking again answers the same state.
      const again = await request(gateway.url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    });

    it('lets a key revoke itself', async () => {
      const own = await createKey(gateway, { name: 'self-revoker', scopes: ['admin'] });
      await request(gateway.url).delete(`/v1/api-keys/${own.id}`).set(bearer(own.key)).expect(200);
      await request(gateway.url).get('/v1/api-keys').set(bearer(own.key)).expect(401);
    });

    it('answers 404 for an unknown key id', async () => {
      const unknown = await request(gateway.url)
        .delete('/v1/api-keys/00000000-0000-4000-8000-000000000000')
        .set(admin)
        .expect(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      await request(gateway.url).delete('/v1/api-keys/not-a-uuid').set(admin).expect(404);
    });

    it('validates the body: unknown fields, bad scopes, reserved name, unknown tenant', async () => {
      const cases: [object, string][] = [
        [{ name: 'x', scopes: ['sub-users:read'], extra: 1 }, 'extra'],
        [{ name: 'x', scopes: ['root'] }, 'scopes'],
        [{ name: 'x', scopes: [] }, 'scopes'],
        [{ scopes: ['admin'] }, 'name'],
        [{ name: 'bootstrap-admin', scopes: ['admin'] }, 'name'],
        [{ name: 'x', scopes: ['admin'], tenantId: 'no-such-tenant' }, 'tenantId'],
      ];
      for (const [body, field] of cases) {
        const response = await request(gateway.url).post('/v1/api-keys').set(admin).send(body).expect(422);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
      }
    });

    it('records when a key was last used, without waiting on the request', async () => {
      const key = await createKey(gateway, { name: 'user', scopes: ['sub-users:read'] });
      await request(gateway.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
      // Written in the background: poll (with a generous deadline) instead of expecting it at once.
      let lastUsedAt: Date | null = null;
      const deadline = Date.now() + 10_000;
      while (!lastUsedAt && Date.now() < deadline) {
        lastUsedAt = (await prismaOf(gateway).apiKey.findUnique({ where: { id: key.id } }))!.lastUsedAt;
        if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lastUsedAt).toBeInstanceOf(Date);
    });
  });

  describe('tenants', () => {
    it('creates a tenant with a UUID and refuses a duplicate name with 409', async () => {
      const created = await request(gateway.url)
        .post('/v1/tenants')
        .set(admin)
        .send({ name: 'acme' })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'acme',
        // A new tenant: the default usage thresholds, no budget (PATCH /v1/tenants/:id sets them).
        usageThresholds: [80, 90, 100],
        budget: null,
        createdAt: expect.any(String),
      });
      const duplicate = await request(gateway.url)
        .post('/v1/tenants')
        .set(admin)
        .send({ name: 'acme' })
        .expect(409);
      expect(duplicate.body.code).toBe('CONFLICT');
      const bad = await request(gateway.url).post('/v1/tenants').set(admin).send({ name: '' }).expect(422);
      expect(bad.body.errors[0].field).toBe('name');
    });

    it('pages tenants with a cursor', async () => {
      for (const name of ['page-a', 'page-b', 'page-c']) await createTenant(gateway, name);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = { limit: '2', ...(cursor ? { cursor } : {}) };
        const page = await request(gateway.url).get('/v1/tenants').query(query).set(admin).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((tenant: { id: string }) => tenant.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const all = await request(gateway.url).get('/v1/tenants').query({ limit: 500 }).set(admin).expect(200);
      expect(seen).toEqual(all.body.items.map((tenant: { id: string }) => tenant.id));
      expect(new Set(seen).size).toBe(seen.length);
      const bad = await request(gateway.url).get('/v1/tenants').query({ cursor: 'nonsense' }).set(admin);
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].field).toBe('cursor');
      await request(gateway.url).get('/v1/tenants').query({ limit: 501 }).set(admin).expect(422);
    });

    it('keeps a tenant key to its own tenant', async () => {
      const tenant = await createTenant(gateway, 'isolated');
      const key = await createKey(gateway, {
        name: 'tenant-admin-ish',
        scopes: ['sub-users:read'],
        tenantId: tenant.id,
      });
      expect(key.tenantId).toBe(tenant.id);
      await request(gateway.url).get('/v1/api-keys').set(bearer(key.key)).expect(403);
      const events = await request(gateway.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
      expect(events.body.items.length).toBeGreaterThan(0);
      expect(events.body.items.every((event: { tenantId: string }) => event.tenantId === tenant.id)).toBe(
        true,
      );
      const other = await request(gateway.url)
        .get('/v1/audit-events')
        .query({ tenantId: 'default' })
        .set(bearer(key.key))
        .expect(200);
      expect(other.body.items).toEqual([]);
    });
  });
});
