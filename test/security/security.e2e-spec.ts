import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant, prismaOf, tableText } from '../access/access-helpers';
import { createSubUser, waitForJob } from '../sub-users/sub-users-helpers';
import { Method, OperationInfo, fillPath, isPublic, openApi, operationsOf, send } from './openapi-operations';

/** What each documented public operation answers, with or without a key (a new one must be added here). */
const PUBLIC_STATUS: Record<string, number> = { 'get /health/live': 200, 'get /health/ready': 200 };

/** Provider keys only this file uses, so finding one anywhere is a leak, not a coincidence. */
const WS_KEYS = ['ws-secret-A1b2C3d4E5f6G7h8', 'ws-secret-Z9y8X7w6V5u4T3s2'];
const PH_KEYS = ['ph-secret-Q1w2E3r4T5y6U7i8'];
const ALL_PROVIDER_KEYS = [...WS_KEYS, ...PH_KEYS];

describe('security: authentication, tenancy, scopes, secrets, headers', () => {
  let gateway: RunningGateway;
  let operations: OperationInfo[];
  /** Every answer of this file (status line, headers, body), searched for secrets at the end. */
  const answered: string[] = [];
  const keep = (response: request.Response) => {
    answered.push(JSON.stringify({ headers: response.headers, body: response.body, text: response.text }));
    return response;
  };

  beforeAll(async () => {
    // The in-process sandbox takes its keys from the gateway's environment.
    gateway = await startTestGateway({
      ...SANDBOX_ENV,
      UPSTREAM_TIMEOUT_MS: '800',
      SANDBOX_WEBSHARE_KEYS: WS_KEYS.join(','),
      SANDBOX_PROXYHAT_KEYS: PH_KEYS.join(','),
    });
    operations = operationsOf(await openApi(gateway));
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('runs with this file’s own provider keys', () => {
    expect(sandboxOf(gateway).control.config().webshareKeys).toEqual(WS_KEYS);
    expect(operations.length).toBeGreaterThan(15);
  });

  it('answers nothing but /health/*, /docs* and /metrics without a valid key (every documented operation)', async () => {
    const checked: string[] = [];
    for (const operation of operations) {
      const path = fillPath(operation.path, randomUUID());
      for (const headers of [
        {},
        { Authorization: 'Bearer sgw_not_a_real_key_000000000000' },
        { Authorization: 'Basic YWRtaW46YWRtaW4=' },
      ] as Record<string, string>[]) {
        const response = keep(await send(gateway, operation.method, path, headers).send({}));
        if (isPublic(operation.path)) {
          const op = `${operation.method} ${operation.path}`;
          expect({ op, status: response.status }).toEqual({ op, status: PUBLIC_STATUS[op] });
          continue;
        }
        expect({
          op: `${operation.method} ${path}`,
          status: response.status,
          code: response.body.code,
        }).toEqual({
          op: `${operation.method} ${path}`,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      checked.push(`${operation.method} ${operation.path}`);
    }
    expect(checked.filter((entry) => entry.includes('/v1/')).length).toBeGreaterThan(15);
    // The public ones answer.
    await request(gateway.url).get('/health/live').expect(200);
    await request(gateway.url).get('/docs-json').expect(200);
    const docs = await request(gateway.url).get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
    // No METRICS_TOKEN in this file: /metrics is open.
    const metrics = await request(gateway.url).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('sgw_http_request_duration_seconds_count');
    // An undocumented path is no way in either: it does not exist.
    const unknown = await request(gateway.url).get('/v1/internal/anything');
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('keeps tenants apart: another tenant’s sub-users, audit events and jobs are invisible and untouchable', async () => {
    const [tenantA, tenantB] = [await createTenant(gateway, 'sec-a'), await createTenant(gateway, 'sec-b')];
    const scopes = ['sub-users:read', 'sub-users:write', 'sub-users:credentials'];
    const a = await createKey(gateway, { name: 'sec-a-key', tenantId: tenantA.id, scopes });
    const b = await createKey(gateway, { name: 'sec-b-key', tenantId: tenantB.id, scopes });
    const theirs = [
      await createSubUser(
        gateway,
        { provider: 'webshare', name: 'sec-b-ws', countries: { US: 1 } },
        bearer(b.key),
      ),
      await createSubUser(gateway, { provider: 'proxyhat', name: 'sec-b-ph' }, bearer(b.key)),
    ];
    const bJob = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(bearer(b.key))
      .send({ ids: [randomUUID()] })
      .expect(202);
    await waitForJob(gateway, bJob.body.id, bearer(b.key));
    const asA = bearer(a.key);
    for (const item of theirs) {
      for (const [method, path, body] of [
        ['get', `/v1/sub-users/${item.id}`, undefined],
        ['get', `/v1/sub-users/${item.id}?fresh=true`, undefined],
        ['patch', `/v1/sub-users/${item.id}`, { name: 'stolen' }],
        ['delete', `/v1/sub-users/${item.id}`, undefined],
        ['get', `/v1/sub-users/${item.id}/credentials`, undefined],
        ['post', `/v1/sub-users/${item.id}/refresh-proxy-list`, {}],
        ['post', `/v1/sub-users/${item.id}/reset-usage`, {}],
        ['post', `/v1/sub-users/${item.id}/rotate-password`, {}],
      ] as [Method, string, object | undefined][]) {
        const response = keep(await send(gateway, method, path, asA).send(body));
        expect({ op: `${method} ${path}`, status: response.status, code: response.body.code }).toEqual({
          op: `${method} ${path}`,
          status: 404,
          code: 'NOT_FOUND',
        });
      }
    }
    const bulk = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(asA)
      .send({ ids: theirs.map((item) => item.id) })
      .expect(202);
    const done = await waitForJob(gateway, bulk.body.id, asA);
    expect(done.counts).toEqual({ requested: 2, deleted: 0, skipped: 0, notFound: 2, failed: 0 });
    const list = await request(gateway.url).get('/v1/sub-users?limit=500').set(asA).expect(200);
    expect(list.body.items).toEqual([]);
    const listOther = await request(gateway.url)
      .get(`/v1/sub-users?tenantId=${tenantB.id}`)
      .set(asA)
      .expect(200);
    expect(listOther.body.items).toEqual([]);
    // Audit events and jobs of B.
    const audit = keep(await request(gateway.url).get('/v1/audit-events?limit=500').set(asA).expect(200));
    expect(audit.body.items.filter((event: { tenantId: string }) => event.tenantId !== tenantA.id)).toEqual(
      [],
    );
    for (const item of theirs) {
      const byTarget = await request(gateway.url)
        .get(`/v1/audit-events?targetId=${item.id}`)
        .set(asA)
        .expect(200);
      expect(byTarget.body.items).toEqual([]);
    }
    // Naming another tenant is not an error for a tenant key: it simply sees nothing of it.
    const otherTenantAudit = await request(gateway.url)
      .get(`/v1/audit-events?tenantId=${tenantB.id}`)
      .set(asA)
      .expect(200);
    expect(otherTenantAudit.body.items).toEqual([]);
    expect((await request(gateway.url).get(`/v1/jobs/${bJob.body.id}`).set(asA).expect(404)).body.code).toBe(
      'NOT_FOUND',
    );
    const jobs = await request(gateway.url).get('/v1/jobs?limit=500').set(asA).expect(200);
    expect(jobs.body.items.map((job: { id: string }) => job.id)).not.toContain(bJob.body.id);
    // B's sub-users are untouched, at the gateway and at the provider.
    for (const item of theirs) {
      const fresh = await request(gateway.url)
        .get(`/v1/sub-users/${item.id}?fresh=true`)
        .set(bearer(b.key))
        .expect(200);
      expect(fresh.body).toMatchObject({ name: item.name, status: 'active' });
    }
    const events = await prismaOf(gateway).auditEvent.findMany({
      where: { targetId: { in: theirs.map((item) => item.id) }, actorKeyId: a.id },
    });
    expect(events).toEqual([]);
  });

  it('a read-scoped key can read but not write (every documented write operation)', async () => {
    const reader = await createKey(gateway, { name: 'sec-reader', scopes: ['sub-users:read'] });
    const target = await createSubUser(gateway, { provider: 'webshare', name: 'sec-read-target' });
    await request(gateway.url).get('/v1/sub-users').set(bearer(reader.key)).expect(200);
    await request(gateway.url).get(`/v1/sub-users/${target.id}`).set(bearer(reader.key)).expect(200);
    const writes = operations.filter((operation) => operation.method !== 'get' && !isPublic(operation.path));
    expect(writes.length).toBeGreaterThan(8);
    for (const operation of writes) {
      const response = keep(
        await send(gateway, operation.method, fillPath(operation.path, target.id), bearer(reader.key)).send({
          name: 'x',
          ids: [target.id],
        }),
      );
      expect({
        op: `${operation.method} ${operation.path}`,
        status: response.status,
        code: response.body.code,
      }).toEqual({
        op: `${operation.method} ${operation.path}`,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
    const still = await request(gateway.url)
      .get(`/v1/sub-users/${target.id}?fresh=true`)
      .set(admin)
      .expect(200);
    expect(still.body).toMatchObject({ name: 'sec-read-target', status: 'active' });
  });

  it('a revoked key stops working at once', async () => {
    const key = await createKey(gateway, { name: 'sec-revoked', scopes: ['sub-users:read'] });
    await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    await request(gateway.url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
    const refused = await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  });

  it('stores provider keys encrypted and never answers them', async () => {
    const { webshareBaseUrl } = sandboxOf(gateway);
    // A second account with the other key, and one the provider refuses.
    keep(
      await request(gateway.url)
        .post('/v1/provider-accounts')
        .set(admin)
        .send({ provider: 'webshare', name: 'sec-ws-second', apiKey: WS_KEYS[1], baseUrl: webshareBaseUrl })
        .expect(201),
    );
    keep(
      await request(gateway.url)
        .post('/v1/provider-accounts')
        .set(admin)
        .send({
          provider: 'webshare',
          name: 'sec-ws-bad',
          apiKey: `${WS_KEYS[1]}-wrong`,
          baseUrl: webshareBaseUrl,
        })
        .expect(502),
    );
    const accounts = keep(await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200));
    for (const account of accounts.body.items)
      keep(await request(gateway.url).get(`/v1/provider-accounts/${account.id}`).set(admin).expect(200));
    const rows = await prismaOf(gateway).$queryRawUnsafe<{ name: string; api_key_ciphertext: string }[]>(
      'SELECT name, api_key_ciphertext FROM provider_accounts',
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      for (const secret of ALL_PROVIDER_KEYS) {
        expect(row.api_key_ciphertext).not.toContain(secret);
        expect(row.api_key_ciphertext).not.toContain(Buffer.from(secret).toString('base64'));
        expect(row.api_key_ciphertext).not.toContain(Buffer.from(secret).toString('hex'));
      }
    }
    // Same key, two rows: a fresh IV each time, so the ciphertexts differ.
    const ciphertexts = rows.map((row) => row.api_key_ciphertext);
    expect(new Set(ciphertexts).size).toBe(ciphertexts.length);

    const stored = [
      'provider_accounts',
      'audit_events',
      'sub_user_mappings',
      'idempotency_records',
      'api_keys',
      'jobs',
      'tenants',
    ];
    const everything = [
      answered.join('\n'),
      ...(await Promise.all(stored.map((table) => tableText(gateway, table)))),
    ].join('\n');
    for (const secret of [...ALL_PROVIDER_KEYS, TEST_ADMIN_KEY])
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
  });

  it('sets security headers on answers and problems', async () => {
    for (const response of [
      await request(gateway.url).get('/v1/sub-users').set(admin),
      await request(gateway.url).get('/v1/sub-users'),
      await request(gateway.url).get('/health/live'),
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('content-type', 'application/json')
        .send('{nope'),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/);
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers.server ?? '').not.toMatch(/fastify|express|nest/i);
    }
  });
});
