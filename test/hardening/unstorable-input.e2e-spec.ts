import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, bearer, createKey, createTenant, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { accountIds, syncNow } from '../sync/sync-helpers';

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udfff';
const FAR_PAST = '-200000-01-01T00:00:00.000Z';
const cursorOf = (c: string, i: string) => Buffer.from(JSON.stringify({ c, i })).toString('base64url');

/**
 * Input PostgreSQL cannot store — NUL, lone surrogates, instants outside its range, JSON nested
 * past any stack — is refused with 422 at the edge, before any provider call (findings 2 and 6 of
 * the hardening issue: every case here answered 500, and the PATCHes reached the provider first).
 */
describe('hardening: input PostgreSQL cannot store is refused at the edge', () => {
  let gateway: RunningGateway;
  let proxyhatSubUser: { id: string; etag: string };
  let webshareSubUser: { id: string; etag: string };

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '1500' });
    for (const provider of ['proxyhat', 'webshare'] as const) {
      const created = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ provider, name: `storable-${provider}`, metadata: { k: 'v' } })
        .expect(201);
      const entry = { id: created.body.id as string, etag: created.headers.etag as string };
      if (provider === 'proxyhat') proxyhatSubUser = entry;
      else webshareSubUser = entry;
    }
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => {
    sandboxOf(gateway).control.clearFaults();
  });

  /** The sandbox's call counts: a refused request must not change them. */
  const calls = () => ({ ...sandboxOf(gateway).control.calls() });

  function expectRefused(response: request.Response, field: string): void {
    expect({
      status: response.status,
      type: String(response.headers['content-type']).split(';')[0],
      code: response.body.code,
      fields: (response.body.errors ?? []).map((error: { field: string }) => error.field),
    }).toEqual({
      status: 422,
      type: 'application/problem+json',
      code: 'VALIDATION_FAILED',
      fields: expect.arrayContaining([field]),
    });
  }

  it.each([
    ['/v1/sub-users?q=p%00q', 'q'],
    ['/v1/sub-users?metadata.k=%00', 'metadata.k'],
    ['/v1/sub-users?metadata%5Bk%5D=v%00', 'metadata.k'],
    ['/v1/sub-users?tenantId=%00', 'tenantId'],
    ['/v1/api-keys?tenantId=t%00', 'tenantId'],
    ['/v1/audit-events?targetId=%00', 'targetId'],
    ['/v1/audit-events?action=sub-user.created%00', 'action'],
    ['/v1/audit-events?actorKeyId=%00', 'actorKeyId'],
    ['/v1/audit-events?tenantId=default%00', 'tenantId'],
  ])('hardening #6: NUL in a query parameter — GET %s is 422 naming %s', async (path, field) => {
    expectRefused(await request(gateway.url).get(path).set(admin), field);
  });

  it.each([
    ['/v1/audit-events', 'since', FAR_PAST],
    ['/v1/audit-events', 'until', FAR_PAST],
    ['/v1/audit-events', 'since', '+275760-09-13T00:00:00.000Z'],
    ['/v1/audit-events', 'until', '0000-01-01T00:00:00Z'],
    // A Date field without IsInstant: the validation pipe refuses any Date outside 1970–9999.
    ['/v1/events', 'since', FAR_PAST],
  ])(
    'hardening #6: GET %s with %s=%s (outside what PostgreSQL and clients hold) is 422',
    async (path, name, value) => {
      const response = await request(gateway.url)
        .get(path)
        .query({ [name]: value })
        .set(admin);
      expectRefused(response, name);
    },
  );

  it.each([
    '/v1/sub-users',
    '/v1/audit-events',
    '/v1/api-keys',
    '/v1/tenants',
    '/v1/jobs',
    '/v1/events',
    '/v1/webhook-endpoints',
  ])('hardening #6: a cursor of year -200000 on %s is 422, not 500', async (path) => {
    const response = await request(gateway.url)
      .get(path)
      .query({ cursor: cursorOf(FAR_PAST, randomUUID()) })
      .set(admin);
    expectRefused(response, 'cursor');
  });

  it('hardening #6: a cursor whose id holds NUL is 422 (tenant ids are text, not UUIDs)', async () => {
    const response = await request(gateway.url)
      .get('/v1/tenants')
      .query({ cursor: cursorOf('2026-01-01T00:00:00.000Z', `default${NUL}`) })
      .set(admin);
    expectRefused(response, 'cursor');
  });

  it.each([
    ['-'.repeat(36), '36 dashes'],
    ['0'.repeat(36), '36 zeros'],
  ])('hardening #6: GET /v1/jobs/%s (%s) is 404, never 500', async (id) => {
    const response = await request(gateway.url).get(`/v1/jobs/${id}`).set(admin);
    expect({ status: response.status, code: response.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it.each([
    ['get', '/v1/sub-users/%00'],
    ['get', '/v1/sub-users/a%00b/credentials'],
    ['patch', '/v1/tenants/default%00'],
    ['delete', '/v1/api-keys/%00'],
    ['get', '/v1/provider-accounts/x%00'],
  ] as const)('hardening #6: NUL in a path parameter — %s %s is 422 naming id', async (method, path) => {
    const response = await request(gateway.url)
      [method](path)
      .set(admin)
      .send(method === 'patch' ? {} : undefined);
    expectRefused(response, 'id');
  });

  const createCases: [string, Record<string, unknown>, string][] = [
    ['NUL in a name', { provider: 'proxyhat', name: `p${NUL}q` }, 'name'],
    ['a lone high surrogate in a name', { provider: 'proxyhat', name: `p${HIGH}q` }, 'name'],
    ['a lone low surrogate in a name', { provider: 'webshare', name: `${LOW}q` }, 'name'],
    ['a reversed surrogate pair in a name', { provider: 'webshare', name: `${LOW}${HIGH}` }, 'name'],
    ['NUL in notes', { provider: 'webshare', name: 'n', notes: `a${NUL}` }, 'notes'],
    ['NUL in ProxyHat notes', { provider: 'proxyhat', name: 'n', notes: `a${NUL}` }, 'notes'],
    [
      'NUL in a metadata value',
      { provider: 'proxyhat', name: 'm', metadata: { k: `v${NUL}` } },
      'metadata.k',
    ],
    [
      'a lone surrogate in a metadata value',
      { provider: 'webshare', name: 'm', metadata: { k: HIGH } },
      'metadata.k',
    ],
    ['NUL in tenantId', { provider: 'proxyhat', name: 't', tenantId: `default${NUL}` }, 'tenantId'],
    ['a lone surrogate in groupId', { provider: 'proxyhat', name: 'g', groupId: `g${HIGH}` }, 'groupId'],
  ];
  it.each(createCases)(
    'hardening #6: POST /v1/sub-users with %s is 422, with no provider call',
    async (_label, body, field) => {
      const before = calls();
      const response = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('content-type', 'application/json')
        .send(JSON.stringify(body));
      expectRefused(response, field);
      expect(calls()).toEqual(before);
    },
  );

  it.each([
    ['NUL', `tenant${NUL}`],
    ['a lone high surrogate', `tenant${HIGH}`],
    ['a lone low surrogate', `tenant${LOW}`],
  ])('hardening #6: a tenant name with %s is refused, not stored as U+FFFD', async (_label, name) => {
    const before = await prismaOf(gateway).tenant.count();
    const response = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name }));
    expectRefused(response, 'name');
    expect(await prismaOf(gateway).tenant.count()).toBe(before);
  });

  it.each([
    ['NUL', `key${NUL}`],
    ['a lone high surrogate', `key${HIGH}`],
    ['a lone low surrogate', `key${LOW}`],
  ])('hardening #6: an API-key name with %s is refused, not stored as U+FFFD', async (_label, name) => {
    const before = await prismaOf(gateway).apiKey.count();
    const response = await request(gateway.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name, scopes: ['sub-users:read'] }));
    expectRefused(response, 'name');
    expect(await prismaOf(gateway).apiKey.count()).toBe(before);
  });

  it('hardening #6: a provider account whose API key holds NUL is refused before the key is checked with the provider', async () => {
    const before = calls();
    const response = await request(gateway.url)
      .post('/v1/provider-accounts')
      .set(admin)
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          provider: 'proxyhat',
          name: 'nul-key-account',
          apiKey: `ph-sandbox-key${NUL}`,
          baseUrl: sandboxOf(gateway).proxyhatBaseUrl,
        }),
      );
    expectRefused(response, 'apiKey');
    expect(calls()).toEqual(before);
  });

  it.each([
    ['5,000 objects', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
    ['100,000 arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['100,000 arrays in a field', `{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
  ])('hardening #6: JSON nested %s deep is 422, not a stack overflow', async (_label, payload) => {
    for (const [method, path] of [
      ['post', '/v1/sub-users'],
      ['patch', `/v1/sub-users/${proxyhatSubUser.id}`],
      ['post', '/v1/tenants'],
    ] as const) {
      const before = calls();
      const response = await request(gateway.url)
        [method](path)
        .set(admin)
        .set('content-type', 'application/json')
        .send(payload);
      expect({ path, status: response.status, code: response.body.code }).toEqual({
        path,
        status: 422,
        code: 'VALIDATION_FAILED',
      });
      expect(calls()).toEqual(before);
    }
  });

  // Finding 2: these PATCHes reached the provider, which stored the value, and then answered 500.
  it.each([
    ['proxyhat', 'NUL in the name', { name: `p${NUL}q` }, 'name'],
    ['proxyhat', 'a lone surrogate in the name', { name: `p${HIGH}q` }, 'name'],
    ['webshare', 'a lone low surrogate in the name', { name: `p${LOW}` }, 'name'],
    ['proxyhat', 'NUL in ProxyHat notes', { notes: `n${NUL}` }, 'notes'],
    ['webshare', 'NUL in notes the gateway keeps', { notes: `n${NUL}` }, 'notes'],
    ['proxyhat', 'NUL in metadata', { metadata: { k: `v${NUL}` } }, 'metadata.k'],
  ] as const)(
    'hardening #2: %s PATCH with %s is 422 before any provider call, the sub-user unchanged',
    async (provider, _label, body, field) => {
      const target = provider === 'proxyhat' ? proxyhatSubUser : webshareSubUser;
      const before = calls();
      const stored = await prismaOf(gateway).subUserMapping.findUniqueOrThrow({ where: { id: target.id } });
      const response = await request(gateway.url)
        .patch(`/v1/sub-users/${target.id}`)
        .set(admin)
        .set('If-Match', target.etag)
        .set('content-type', 'application/json')
        .send(JSON.stringify(body));
      expectRefused(response, field);
      expect(calls()).toEqual(before);
      const after = await prismaOf(gateway).subUserMapping.findUniqueOrThrow({ where: { id: target.id } });
      expect({ version: after.version, name: after.name, metadata: after.metadata }).toEqual({
        version: stored.version,
        name: stored.name,
        metadata: stored.metadata,
      });
    },
  );

  it('hardening #2: a name with NUL set at the provider does not stop the sync, and another tenant’s lost create on that account still completes', async () => {
    const { control, proxyhatBaseUrl } = sandboxOf(gateway);
    const { proxyhat } = await accountIds(gateway.url);
    const tenant = await createTenant(gateway, `nul-sync-${randomUUID().slice(0, 6)}`);
    const { key } = await createKey(gateway, {
      name: 'nul-sync-key',
      scopes: ['sub-users:read', 'sub-users:write'],
      tenantId: tenant.id,
    });
    // Someone renames a sub-user in ProxyHat's own API to a name holding NUL and a lone surrogate.
    const renamed = await request(gateway.url)
      .get(`/v1/sub-users/${proxyhatSubUser.id}`)
      .set(admin)
      .expect(200);
    const hostileName = `panel${NUL}name${HIGH}`;
    await request(proxyhatBaseUrl)
      .put(`/sub-users/${renamed.body.providerSubUserId}`)
      .set('Authorization', 'Bearer ph-sandbox-key')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: hostileName }))
      .expect(200);
    expect(control.state('proxyhat').some((entry) => entry.name === hostileName)).toBe(true);

    // Another tenant's create on the same account loses its answer.
    const name = `after-nul-${randomUUID().slice(0, 6)}`;
    control.addFault({ provider: 'proxyhat', operation: 'create', mode: 'timeout-after', times: 1 });
    await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(key))
      .send({ provider: 'proxyhat', name, proxyPassword: 'Lost-answer-pass-1' })
      .expect(504);
    control.clearFaults();

    const job = await syncNow(gateway.url, { providerAccountId: proxyhat });
    expect(job.status).toBe('succeeded');
    const [result] = job.results;
    expect({ ok: result.ok, error: result.error, matchedIntents: result.matchedIntents }).toEqual({
      ok: true,
      error: undefined,
      matchedIntents: 1,
    });
    // The tenant's sub-user is active in its own tenant; the hostile name is stored escaped.
    const own = await request(gateway.url)
      .get('/v1/sub-users')
      .query({ q: name })
      .set(bearer(key))
      .expect(200);
    expect(own.body.items.map((item: { name: string; status: string }) => [item.name, item.status])).toEqual([
      [name, 'active'],
    ]);
    const row = await prismaOf(gateway).subUserMapping.findUniqueOrThrow({
      where: { id: proxyhatSubUser.id },
    });
    expect(row.name).toBe('panel\\u0000name\\ud800');
  });
});
