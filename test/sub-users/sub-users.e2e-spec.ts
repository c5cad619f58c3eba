import request from 'supertest';
import { PROVIDER_NAMES } from '@app/domain';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, tableText } from '../access/access-helpers';
import { FAST_REGISTRY, accountIds, createSubUser, waitForJob } from './sub-users-helpers';

const GB = 1024 ** 3;

describe('/v1/sub-users over HTTP (sandbox providers, real database)', () => {
  let gateway: RunningGateway;
  let accounts: Record<'webshare' | 'proxyhat' | 'iproyal', string>;
  /** Every body the gateway answered, searched for secrets at the end. */
  const answered: string[] = [];
  const remember = (response: request.Response) => {
    answered.push(JSON.stringify(response.body));
    return response;
  };

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800' },
      { registry: FAST_REGISTRY },
    );
    accounts = await accountIds(gateway);
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => sandboxOf(gateway).control.clearFaults());

  it('publishes the providers with their capabilities and field table', async () => {
    const response = await request(gateway.url).get('/v1/providers').set(admin).expect(200);
    const byName = Object.fromEntries(response.body.items.map((item: any) => [item.name, item]));
    expect(Object.keys(byName).sort()).toEqual([...PROVIDER_NAMES].sort());
    expect(byName.webshare.capabilities).toMatchObject({
      notes: 'gateway',
      bulkDelete: 'emulated',
      refreshProxyList: true,
    });
    expect(byName.proxyhat.capabilities).toMatchObject({
      notes: 'native',
      bulkDelete: 'native',
      asyncDelete: true,
    });
    expect(byName.webshare.fields.maxConcurrency.support).toBe('native');
    expect(byName.proxyhat.fields.maxConcurrency.support).toBe('unsupported');
    expect(response.body.nextCursor).toBeNull();
  });

  describe.each(['webshare', 'proxyhat', 'iproyal'] as const)('%s', (provider) => {
    // IPRoyal's traffic is a prepaid allocation: it cannot be unlimited.
    const newLimit = provider === 'iproyal' ? { body: '2GB', bytes: 2 * GB } : { body: null, bytes: null };
    it('creates, reads (local and fresh), lists and patches a sub-user in normalized form', async () => {
      const created = remember(
        await request(gateway.url)
          .post('/v1/sub-users')
          .set(admin)
          .send({
            provider,
            name: `${provider}-alpha`,
            trafficLimit: '5GB',
            notes: 'first',
            metadata: { customerId: `c-${provider}` },
          })
          .expect(201),
      ).body;
      expect(created).toMatchObject({
        provider,
        providerAccountId: accounts[provider],
        tenantId: 'default',
        name: `${provider}-alpha`,
        notes: 'first',
        status: 'active',
        metadata: { customerId: `c-${provider}` },
        traffic: { limitBytes: 5 * GB, usedBytes: 0 },
      });
      expect(typeof created.providerSubUserId).toBe('string');
      // Where the provider holds a password the gateway generates one and shows it once.
      if (provider === 'webshare') expect(created.proxyPassword).toBeUndefined();
      else expect(created.proxyPassword).toMatch(/^\S{20}$/);

      const local = await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin).expect(200);
      expect(local.headers.etag).toMatch(/^"v\d+"$/);
      expect(local.body.proxyPassword).toBeUndefined();
      const fresh = await request(gateway.url)
        .get(`/v1/sub-users/${created.id}?fresh=true`)
        .set(admin)
        .expect(200);
      expect(fresh.body).toMatchObject({ id: created.id, traffic: { limitBytes: 5 * GB } });

      const listed = await request(gateway.url)
        .get(`/v1/sub-users?provider=${provider}&metadata.customerId=c-${provider}`)
        .set(admin)
        .expect(200);
      expect(listed.body.items.map((item: any) => item.id)).toEqual([created.id]);

      const patched = await request(gateway.url)
        .patch(`/v1/sub-users/${created.id}`)
        .set(admin)
        .set('If-Match', local.headers.etag)
        .send({
          name: `${provider}-renamed`,
          trafficLimit: newLimit.body,
          notes: null,
          metadata: { plan: 'gold', customerId: null },
        })
        .expect(200);
      expect(patched.body).toMatchObject({
        name: `${provider}-renamed`,
        notes: null,
        traffic: { limitBytes: newLimit.bytes },
        metadata: { plan: 'gold' },
      });
      expect(patched.headers.etag).not.toBe(local.headers.etag);

      // The old ETag no longer matches.
      const stale = await request(gateway.url)
        .patch(`/v1/sub-users/${created.id}`)
        .set(admin)
        .set('If-Match', local.headers.etag)
        .send({ name: 'never' })
        .expect(412);
      expect(stale.body.code).toBe('PRECONDITION_FAILED');
    });

    it('deletes, and deleting again answers the same state', async () => {
      const created = await createSubUser(gateway, { provider, name: `${provider}-to-delete` });
      const deleted = await request(gateway.url).delete(`/v1/sub-users/${created.id}`).set(admin).expect(200);
      const expected = provider === 'proxyhat' ? 'deleting' : 'deleted';
      expect(deleted.body.status).toBe(expected);
      const again = await request(gateway.url).delete(`/v1/sub-users/${created.id}`).set(admin).expect(200);
      expect(again.body.status).toBe(expected);
      const list = await request(gateway.url)
        .get(`/v1/sub-users?provider=${provider}&status=${expected}`)
        .set(admin)
        .expect(200);
      expect(list.body.items.map((item: any) => item.id)).toContain(created.id);
    });

    it('gives credentials only to keys with the credentials scope', async () => {
      const created = await createSubUser(gateway, {
        provider,
        name: `${provider}-creds`,
        countries: provider === 'webshare' ? { US: 2 } : undefined,
      });
      const reader = await createKey(gateway, { name: `${provider}-reader`, scopes: ['sub-users:read'] });
      const denied = await request(gateway.url)
        .get(`/v1/sub-users/${created.id}/credentials`)
        .set(bearer(reader.key))
        .expect(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      const credentials = await request(gateway.url)
        .get(`/v1/sub-users/${created.id}/credentials`)
        .set(admin)
        .expect(200);
      expect(credentials.body.username).toEqual(expect.any(String));
      expect(credentials.body.proxyUrls[0]).toMatch(/^http:\/\/.+:.+@.+:\d+$/);
      if (provider !== 'webshare') expect(credentials.body.password).toBe(created.proxyPassword);
    });
  });

  it('refuses fields a provider cannot hold with 422 UNSUPPORTED_BY_PROVIDER, never dropping them', async () => {
    const proxyhat = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'proxyhat', name: 'ph-threads', maxConcurrency: 10 })
      .expect(422);
    expect(proxyhat.body).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', source: 'gateway' });
    expect(proxyhat.body.detail).toContain('maxConcurrency');
    const webshare = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'webshare', name: 'ws-group', groupId: 'g-1' })
      .expect(422);
    expect(webshare.body.code).toBe('UNSUPPORTED_BY_PROVIDER');
    // Nothing was created, not even an open intent.
    const list = await request(gateway.url).get('/v1/sub-users?q=ph-threads').set(admin).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it('refuses an IPRoyal username or password outside IPRoyal’s rule with 422 before any provider call', async () => {
    const described = await request(gateway.url).get('/v1/providers').set(admin).expect(200);
    const iproyal = described.body.items.find((item: { name: string }) => item.name === 'iproyal');
    expect(iproyal.fields.proxyUsername.format).toEqual({
      pattern: '^[A-Za-z0-9]{3,32}$',
      rule: '3–32 ASCII letters and digits',
    });
    const creates = () => sandboxOf(gateway).control.calls()['iproyal.create'] ?? 0;
    const before = creates();
    // Both pass the API's own rules; IPRoyal takes letters and digits only.
    const refused = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({
        provider: 'iproyal',
        name: 'ipr-format',
        trafficLimit: '1GB',
        proxyUsername: 'has_underscore',
        proxyPassword: 'S3cure-proxy-pass',
      })
      .expect(422);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', source: 'gateway' });
    expect(refused.body.errors).toEqual([
      { field: 'proxyUsername', message: 'IPRoyal accepts 3–32 ASCII letters and digits' },
      { field: 'proxyPassword', message: 'IPRoyal accepts 6–64 ASCII letters and digits' },
    ]);
    expect(JSON.stringify(refused.body)).not.toContain('S3cure-proxy-pass');
    expect(creates()).toBe(before);
    expect(
      (await request(gateway.url).get('/v1/sub-users?q=ipr-format').set(admin).expect(200)).body.items,
    ).toEqual([]);
  });

  it('records the name a rename leaves at the provider, none included (found by the property run)', async () => {
    const ph = await createSubUser(gateway, { provider: 'proxyhat', name: 'ph-renamed' });
    // ProxyHat strips whitespace: a name of only a tab leaves the sub-user without one.
    const changed = await request(gateway.url)
      .patch(`/v1/sub-users/${ph.id}`)
      .set(admin)
      .set('content-type', 'application/json')
      .send({ name: '\t' })
      .expect(200);
    const held = (
      sandboxOf(gateway).control.state('proxyhat') as Array<{ uuid: string; name: unknown }>
    ).find((row) => row.uuid === ph.providerSubUserId);
    expect(held?.name ?? null).toBeNull();
    expect(changed.body.name).toBeNull();
    const read = await request(gateway.url).get(`/v1/sub-users/${ph.id}`).set(admin).expect(200);
    expect(read.body.name).toBeNull();
  });

  it('answers provider-only operations where the provider has them, 422 elsewhere', async () => {
    const ws = await createSubUser(gateway, { provider: 'webshare', name: 'ws-ops', countries: { ZZ: 3 } });
    const ph = await createSubUser(gateway, { provider: 'proxyhat', name: 'ph-ops' });
    await request(gateway.url).post(`/v1/sub-users/${ws.id}/refresh-proxy-list`).set(admin).expect(200);
    const phRefresh = await request(gateway.url)
      .post(`/v1/sub-users/${ph.id}/refresh-proxy-list`)
      .set(admin)
      .expect(422);
    expect(phRefresh.body.code).toBe('UNSUPPORTED_BY_PROVIDER');

    await request(gateway.url).post(`/v1/sub-users/${ph.id}/reset-usage`).set(admin).expect(200);
    expect(
      (await request(gateway.url).post(`/v1/sub-users/${ws.id}/reset-usage`).set(admin).expect(422)).body
        .code,
    ).toBe('UNSUPPORTED_BY_PROVIDER');

    const rotated = remember(
      await request(gateway.url).post(`/v1/sub-users/${ph.id}/rotate-password`).set(admin).expect(200),
    );
    expect(rotated.body.password).toMatch(/^\S{20}$/);
    const stored = sandboxOf(gateway).control.state('proxyhat') as Array<{
      uuid: string;
      proxy_password: string;
    }>;
    expect(stored.find((row) => row.uuid === ph.providerSubUserId)?.proxy_password).toBe(
      rotated.body.password,
    );
    expect(
      (await request(gateway.url).post(`/v1/sub-users/${ws.id}/rotate-password`).set(admin).expect(422)).body
        .code,
    ).toBe('UNSUPPORTED_BY_PROVIDER');
  });

  describe('provider accounts', () => {
    it('stores the provider key encrypted and never returns it; refuses to delete an account with sub-users', async () => {
      const list = remember(await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200));
      expect(JSON.stringify(list.body)).not.toMatch(/ws-sandbox-key|ph-sandbox-key|apiKey/);
      const stored = await tableText(gateway, 'provider_accounts');
      expect(stored).not.toContain('ws-sandbox-key');
      expect(stored).not.toContain('ph-sandbox-key');
      const conflict = await request(gateway.url)
        .delete(`/v1/provider-accounts/${accounts.webshare}`)
        .set(admin)
        .expect(409);
      expect(conflict.body.code).toBe('CONFLICT');
      await request(gateway.url)
        .get('/v1/provider-accounts/00000000-0000-4000-8000-000000000000')
        .set(admin)
        .expect(404);
    });

    it('registers, changes and removes an empty account (admin only)', async () => {
      const { proxyhatBaseUrl } = sandboxOf(gateway);
      const writer = await createKey(gateway, {
        name: 'writer-pa',
        scopes: ['sub-users:write', 'sub-users:read'],
      });
      await request(gateway.url)
        .post('/v1/provider-accounts')
        .set(bearer(writer.key))
        .send({ provider: 'proxyhat', name: 'ph-second', apiKey: 'ph-sandbox-key', baseUrl: proxyhatBaseUrl })
        .expect(403);
      const created = await request(gateway.url)
        .post('/v1/provider-accounts')
        .set(admin)
        .send({ provider: 'proxyhat', name: 'ph-second', apiKey: 'ph-sandbox-key', baseUrl: proxyhatBaseUrl })
        .expect(201);
      expect(created.body).toMatchObject({ provider: 'proxyhat', name: 'ph-second', isDefault: false });
      const renamed = await request(gateway.url)
        .patch(`/v1/provider-accounts/${created.body.id}`)
        .set(admin)
        .send({ name: 'ph-renamed' })
        .expect(200);
      expect(renamed.body.name).toBe('ph-renamed');
      await request(gateway.url).delete(`/v1/provider-accounts/${created.body.id}`).set(admin).expect(200);
      await request(gateway.url).get(`/v1/provider-accounts/${created.body.id}`).set(admin).expect(404);
    });
  });

  it('bulk-deletes across both providers in one job with an outcome per id', async () => {
    const ws = await Promise.all(
      [1, 2].map((i) => createSubUser(gateway, { provider: 'webshare', name: `bulk-ws-${i}` })),
    );
    const ph = await Promise.all(
      [1, 2].map((i) => createSubUser(gateway, { provider: 'proxyhat', name: `bulk-ph-${i}` })),
    );
    const unknown = '00000000-0000-4000-8000-000000000001';
    const accepted = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(admin)
      .send({ ids: [...ws, ...ph].map((item) => item.id).concat(unknown) })
      .expect(202);
    expect(accepted.body).toMatchObject({ type: 'sub-users.bulk-delete', status: 'queued' });
    const job = await waitForJob(gateway, accepted.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.counts).toEqual({ requested: 5, deleted: 4, skipped: 0, notFound: 1, failed: 0 });
    const outcomes = Object.fromEntries(job.results.map((item: any) => [item.id, item.outcome]));
    for (const item of ws) expect(outcomes[item.id]).toBe('deleted');
    for (const item of ph) expect(outcomes[item.id]).toBe('deleting');
    expect(outcomes[unknown]).toBe('notFound');
    const listed = await request(gateway.url)
      .get('/v1/jobs?type=sub-users.bulk-delete')
      .set(admin)
      .expect(200);
    expect(listed.body.items.map((item: any) => item.id)).toContain(accepted.body.id);
  });

  it('validates input: 422 with per-field errors, unknown fields refused, bad cursor, 0 traffic refused', async () => {
    const invalid = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'nope', name: '', trafficLimit: 0, unknownField: 1, countries: { usa: 1 } })
      .expect(422);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    const fields = invalid.body.errors.map((error: any) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining(['provider', 'name', 'trafficLimit', 'unknownField', 'countries']),
    );
    const cursor = await request(gateway.url).get('/v1/sub-users?cursor=garbage').set(admin).expect(422);
    expect(cursor.body.errors[0].field).toBe('cursor');
    const textPlain = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('content-type', 'text/plain')
      .send('hi')
      .expect(400);
    expect(textPlain.body.code).toBe('MALFORMED_REQUEST');
  });

  it('paginates the local list with stable cursors', async () => {
    for (let i = 0; i < 5; i += 1)
      await createSubUser(gateway, { provider: 'webshare', name: `page-${i}`, metadata: { batch: 'pages' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: request.Response = await request(gateway.url)
        .get(`/v1/sub-users?metadata.batch=pages&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(admin)
        .expect(200);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.items.map((item: any) => item.name));
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
  });

  it('replays an idempotent create without creating twice, and stores the password sealed', async () => {
    const { control } = sandboxOf(gateway);
    const before = control.calls()['proxyhat.create'] ?? 0;
    const body = { provider: 'proxyhat', name: 'idem-1', trafficLimit: 1024 ** 3 };
    const first = remember(
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', 'create-idem-1')
        .send(body)
        .expect(201),
    );
    const second = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', 'create-idem-1')
      .send(body)
      .expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((control.calls()['proxyhat.create'] ?? 0) - before).toBe(1);
    const conflict = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', 'create-idem-1')
      .send({ ...body, name: 'idem-2' })
      .expect(409);
    expect(conflict.body.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await tableText(gateway, 'idempotency_records')).not.toContain(first.body.proxyPassword);
  });

  it('never leaks a provider key, the admin key or a proxy password into responses, audit, snapshots or idempotency rows', async () => {
    const passwords = (sandboxOf(gateway).control.state('proxyhat') as Array<{ proxy_password: string }>).map(
      (row) => row.proxy_password,
    );
    expect(passwords.length).toBeGreaterThan(3);
    const stored = [
      'audit_events',
      'sub_user_mappings',
      'idempotency_records',
      'provider_accounts',
      'api_keys',
      'jobs',
    ];
    const haystacks = [
      answered.join('\n'),
      ...(await Promise.all(stored.map((table) => tableText(gateway, table)))),
    ];
    for (const haystack of haystacks) {
      for (const secret of ['ws-sandbox-key', 'ph-sandbox-key', TEST_ADMIN_KEY, ...passwords]) {
        if (haystack === answered.join('\n') && passwords.includes(secret)) continue; // create/rotate answers promise them once
        expect(haystack).not.toContain(secret);
      }
    }
  });
});
