import request from 'supertest';
import { admin, bearer, createKey, createTenant, tableText } from '../access/access-helpers';
import { RunningGateway, startTestGateway } from '../support/gateway';
import { Receiver } from './receiver';
import { WEBHOOK_ENV, registerEndpoint } from './webhook-helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// Validation cases are refused before anything is stored: nothing is ever sent there.
const HOOK = 'http://127.0.0.1:9/hook';
const REFUSED_HOST = 'points at a loopback, private or link-local address, which is not allowed here';

/** /v1/webhook-endpoints: the resource, its validation, the URL policy, secrets and tenancy. */
describe('/v1/webhook-endpoints', () => {
  let gateway: RunningGateway;
  let hook: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway(WEBHOOK_ENV);
    hook = await Receiver.start();
  });
  afterAll(async () => {
    await hook?.close();
    await gateway?.close();
  });

  it('registers an endpoint and shows its secret once; reads, changes and removes it', async () => {
    const created = await request(gateway.url)
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url: hook.url, description: 'billing' })
      .expect(201);
    const { secret, ...shown } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(shown).toEqual({
      id: expect.stringMatching(UUID),
      url: hook.url,
      events: null,
      description: 'billing',
      enabled: true,
      tenantId: null,
      disabledReason: null,
      failingSince: null,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    const id = shown.id as string;
    expect(
      (await request(gateway.url).get(`/v1/webhook-endpoints/${id}`).set(admin).expect(200)).body,
    ).toEqual(shown);
    const list = await request(gateway.url).get('/v1/webhook-endpoints').set(admin).expect(200);
    expect(list.body).toEqual({ items: [shown], nextCursor: null });

    const changed = await request(gateway.url)
      .patch(`/v1/webhook-endpoints/${id}`)
      .set(admin)
      .send({
        events: ['sub-user.created', 'sub-user.created', 'job.finished'],
        description: null,
        enabled: false,
      })
      .expect(200);
    expect(changed.body).toEqual({
      ...shown,
      events: ['sub-user.created', 'job.finished'],
      description: null,
      enabled: false,
      updatedAt: expect.stringMatching(ISO),
    });
    const all = await request(gateway.url)
      .patch(`/v1/webhook-endpoints/${id}`)
      .set(admin)
      .send({ events: null, enabled: true })
      .expect(200);
    expect(all.body).toMatchObject({ events: null, enabled: true });

    const removed = await request(gateway.url).delete(`/v1/webhook-endpoints/${id}`).set(admin).expect(200);
    expect(removed.body).toEqual(all.body);
    const gone = await request(gateway.url).get(`/v1/webhook-endpoints/${id}`).set(admin).expect(404);
    expect(gone.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });

    // Sealed at rest; never in the audit log; every change audited.
    expect(await tableText(gateway, 'webhook_endpoints')).not.toContain(secret.slice('whsec_'.length));
    const audit = await tableText(gateway, 'audit_events');
    expect(audit).not.toContain(secret.slice('whsec_'.length));
    const actions = await request(gateway.url).get(`/v1/audit-events?targetId=${id}`).set(admin).expect(200);
    expect(actions.body.items.map((event: { action: string }) => event.action)).toEqual([
      'webhook-endpoint.deleted',
      'webhook-endpoint.updated',
      'webhook-endpoint.updated',
      'webhook-endpoint.created',
    ]);
  });

  it('replays a registration under the same Idempotency-Key with its secret, stored sealed', async () => {
    const send = () =>
      request(gateway.url)
        .post('/v1/webhook-endpoints')
        .set(admin)
        .set('Idempotency-Key', 'register-hook-once')
        .send({ url: hook.url, events: ['sub-user.deleted'] });
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await tableText(gateway, 'idempotency_records')).not.toContain(
      first.body.secret.slice('whsec_'.length),
    );
    await request(gateway.url).delete(`/v1/webhook-endpoints/${first.body.id}`).set(admin).expect(200);
  });

  it('rotates the secret: a new one, shown once', async () => {
    const endpoint = await registerEndpoint(gateway, { url: hook.url });
    const rotated = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(admin)
      .expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const read = await request(gateway.url)
      .get(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(admin)
      .expect(200);
    expect(read.body).not.toHaveProperty('secret');
    const text = await tableText(gateway, 'webhook_endpoints');
    for (const secret of [endpoint.secret, rotated.body.secret]) expect(text).not.toContain(secret.slice(6));
    await request(gateway.url).delete(`/v1/webhook-endpoints/${endpoint.id}`).set(admin).expect(200);
  });

  const KNOWN_TYPES =
    'sub-user.created, sub-user.updated, sub-user.moved-out, sub-user.moved-in, sub-user.deleting, sub-user.deleted, sub-user.vanished, sub-user.unknown, ' +
    'sub-user.adopted, sub-user.drift-detected, sub-user.intent-expired, sub-user.intent-ambiguous, ' +
    'sub-user.password-rotated, sub-user.proxy-list-refreshed, sub-user.usage-reset, sub-user.suspended, ' +
    'sub-user.resumed, sub-user.usage-threshold, sub-user.traffic-exhausted, tenant.updated, ' +
    'tenant.budget-exceeded, provider-account.created, provider-account.updated, ' +
    'provider-account.deleted, provider-account.auth-failed, provider-account.circuit-opened, ' +
    'provider-account.circuit-closed, job.finished, webhook-endpoint.disabled';
  it.each([
    [
      { url: 42 },
      [
        { field: 'url', message: 'url must be shorter than or equal to 2048 characters' },
        { field: 'url', message: 'url must be longer than or equal to 1 characters' },
        { field: 'url', message: 'url must be a string' },
      ],
    ],
    [
      { url: HOOK, events: ['sub-user.nope'] },
      [{ field: 'events', message: `each value in events must be one of ${KNOWN_TYPES}` }],
    ],
    [
      { url: HOOK, events: ['webhook.test'] },
      [{ field: 'events', message: `each value in events must be one of ${KNOWN_TYPES}` }],
    ],
    [{ url: HOOK, events: [] }, [{ field: 'events', message: 'events must contain at least 1 elements' }]],
    [{ url: HOOK, secret: 'whsec_mine' }, [{ field: 'secret', message: 'property secret should not exist' }]],
  ])('refuses %j with 422 VALIDATION_FAILED', async (body, errors) => {
    const response = await request(gateway.url)
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send(body)
      .expect(422);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors).toEqual(errors);
  });

  // Loopback addresses that are not allowlisted (only 127.0.0.1 is): nothing is ever sent to them.
  it.each([
    ['http://127.0.0.2:8080/hook', REFUSED_HOST],
    ['http://localhost:8080/hook', REFUSED_HOST],
    ['http://[::1]:8080/hook', REFUSED_HOST],
    ['http://[::ffff:127.0.0.1]:8080/hook', REFUSED_HOST],
    ['http://user:pass@127.0.0.1:8080/hook', 'must not carry credentials'],
    ['ftp://127.0.0.1/hook', 'must be an http(s) URL'],
    ['not a url', 'is not a valid URL'],
  ])('refuses the URL %s (422, field url)', async (url, reason) => {
    const response = await request(gateway.url)
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url })
      .expect(422);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: `url ${reason}` });
    expect(response.body.errors).toEqual([
      {
        field: 'url',
        message: `${reason}; a loopback, private or link-local host must be listed in WEBHOOK_HOST_ALLOWLIST`,
      },
    ]);
  });

  it('two DELETEs at once, or a PATCH racing a DELETE: one removes it, the other is 404, never 500', async () => {
    for (let round = 0; round < 5; round += 1) {
      const endpoint = await registerEndpoint(gateway, { url: hook.url });
      const path = `/v1/webhook-endpoints/${endpoint.id}`;
      const answers = await Promise.all([
        request(gateway.url).delete(path).set(admin),
        request(gateway.url).delete(path).set(admin),
        request(gateway.url).patch(path).set(admin).send({ description: 'late' }),
      ]);
      const [first, second, patched] = answers.map((answer) => answer.status);
      expect([first, second].sort()).toEqual([200, 404]);
      expect([200, 404]).toContain(patched);
      for (const answer of answers.filter((each) => each.status === 404))
        expect(answer.body.code).toBe('NOT_FOUND');
    }
  });

  it('refuses the same URLs in a PATCH', async () => {
    const endpoint = await registerEndpoint(gateway, { url: hook.url });
    const response = await request(gateway.url)
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(admin)
      .send({ url: 'http://127.0.0.2:8080/hook' })
      .expect(422);
    expect(response.body.detail).toBe(`url ${REFUSED_HOST}`);
    const read = await request(gateway.url)
      .get(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(admin)
      .expect(200);
    expect(read.body.url).toBe(hook.url);
    await request(gateway.url).delete(`/v1/webhook-endpoints/${endpoint.id}`).set(admin).expect(200);
  });

  it('keeps each tenant to its own endpoints; admins see every one', async () => {
    const acme = await createTenant(gateway, 'wh-acme');
    const globex = await createTenant(gateway, 'wh-globex');
    const scopes = ['sub-users:read', 'sub-users:write'];
    const acmeKey = bearer((await createKey(gateway, { name: 'acme', scopes, tenantId: acme.id })).key);
    const globexKey = bearer((await createKey(gateway, { name: 'globex', scopes, tenantId: globex.id })).key);
    const reader = bearer(
      (await createKey(gateway, { name: 'acme-reader', scopes: ['sub-users:read'], tenantId: acme.id })).key,
    );

    const ours = await registerEndpoint(gateway, { url: hook.url }, acmeKey);
    expect(ours.tenantId).toBe(acme.id);
    const forbidden = await request(gateway.url)
      .post('/v1/webhook-endpoints')
      .set(acmeKey)
      .send({ url: hook.url, tenantId: globex.id })
      .expect(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    await request(gateway.url).post('/v1/webhook-endpoints').set(reader).send({ url: hook.url }).expect(403);
    const everyTenant = await registerEndpoint(gateway, { url: hook.url });
    const forGlobex = await registerEndpoint(gateway, { url: hook.url, tenantId: globex.id });
    expect(forGlobex.tenantId).toBe(globex.id);
    const noTenant = await request(gateway.url)
      .post('/v1/webhook-endpoints')
      .set(admin)
      .send({ url: hook.url, tenantId: 'no-such-tenant' })
      .expect(422);
    expect(noTenant.body.errors).toEqual([{ field: 'tenantId', message: 'no such tenant' }]);

    const ids = async (as: { Authorization: string }) =>
      (await request(gateway.url).get('/v1/webhook-endpoints').set(as).expect(200)).body.items.map(
        (item: { id: string }) => item.id,
      );
    expect(await ids(acmeKey)).toEqual([ours.id]);
    expect(await ids(reader)).toEqual([ours.id]);
    expect(await ids(globexKey)).toEqual([forGlobex.id]);
    expect((await ids(admin)).sort()).toEqual([ours.id, everyTenant.id, forGlobex.id].sort());

    // Another tenant's endpoint, or an admin's every-tenant one, is 404 on every route.
    for (const [as, id] of [
      [globexKey, ours.id],
      [acmeKey, everyTenant.id],
    ] as const) {
      await request(gateway.url).get(`/v1/webhook-endpoints/${id}`).set(as).expect(404);
      await request(gateway.url)
        .patch(`/v1/webhook-endpoints/${id}`)
        .set(as)
        .send({ enabled: false })
        .expect(404);
      await request(gateway.url).get(`/v1/webhook-endpoints/${id}/deliveries`).set(as).expect(404);
      await request(gateway.url).post(`/v1/webhook-endpoints/${id}/rotate-secret`).set(as).expect(404);
      await request(gateway.url).post(`/v1/webhook-endpoints/${id}/test`).set(as).expect(404);
      await request(gateway.url).delete(`/v1/webhook-endpoints/${id}`).set(as).expect(404);
    }
    expect(hook.received).toHaveLength(0);
    await request(gateway.url).get(`/v1/webhook-endpoints/${ours.id}`).set(admin).expect(200);
    for (const id of [ours.id, everyTenant.id, forGlobex.id]) {
      await request(gateway.url).delete(`/v1/webhook-endpoints/${id}`).set(admin).expect(200);
    }
  });

  it('pages the list newest first', async () => {
    const made: { id: string; createdAt: string }[] = [];
    for (let n = 0; n < 3; n += 1) made.push((await registerEndpoint(gateway, { url: hook.url })) as never);
    // createdAt desc, then id desc (two may share a millisecond).
    const order = made
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .map((endpoint) => endpoint.id);
    const first = await request(gateway.url).get('/v1/webhook-endpoints?limit=2').set(admin).expect(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(order.slice(0, 2));
    const second = await request(gateway.url)
      .get(`/v1/webhook-endpoints?limit=2&cursor=${first.body.nextCursor}`)
      .set(admin)
      .expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: order[2] })], nextCursor: null });
    const bad = await request(gateway.url).get('/v1/webhook-endpoints?cursor=nope').set(admin).expect(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });
});
