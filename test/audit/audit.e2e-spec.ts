import request from 'supertest';
import { RunningGateway, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey, createTenant, prismaOf } from '../access/access-helpers';

interface Event {
  id: string;
  createdAt: string;
  action: string;
  targetId: string | null;
  tenantId: string | null;
  actorKeyId: string | null;
  changes: Record<string, unknown> | null;
}

describe('audit events over HTTP', () => {
  let gateway: RunningGateway;
  let adminKeyId: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    const keys = await request(gateway.url).get('/v1/api-keys').set(admin).expect(200);
    adminKeyId = keys.body.items.find((key: { name: string }) => key.name === 'bootstrap-admin').id;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const list = async (query: Record<string, string | number>, auth = admin) =>
    (await request(gateway.url).get('/v1/audit-events').query(query).set(auth).expect(200)).body as {
      items: Event[];
      nextCursor: string | null;
    };

  it('records the gateway’s own changes with actor, request id and no secrets', async () => {
    const tenant = await request(gateway.url)
      .post('/v1/tenants')
      .set(admin)
      .set('x-request-id', 'audit-req-1')
      .send({ name: 'audited' })
      .expect(201);
    const created = await createKey(gateway, {
      name: 'audited-key',
      scopes: ['sub-users:read'],
      tenantId: tenant.body.id,
    });
    await request(gateway.url).delete(`/v1/api-keys/${created.id}`).set(admin).expect(200);

    const tenantEvents = await list({ targetId: tenant.body.id });
    expect(tenantEvents.items).toEqual([
      expect.objectContaining({
        action: 'tenant.created',
        targetType: 'tenant',
        tenantId: tenant.body.id,
        actorKeyId: adminKeyId,
        outcome: 'ok',
        requestId: 'audit-req-1',
        errorCode: null,
        providerRequestId: null,
      }),
    ]);
    const keyEvents = await list({ targetId: created.id });
    expect(keyEvents.items.map((event) => event.action)).toEqual(['api-key.revoked', 'api-key.created']);
    expect(JSON.stringify(keyEvents)).not.toContain(created.key);
    const rows = await prismaOf(gateway).$queryRawUnsafe<{ row: string }[]>(
      'SELECT t::text AS row FROM audit_events t',
    );
    expect(rows.map((row) => row.row).join('\n')).not.toContain(created.key);
  });

  it('filters by action, actor and time window', async () => {
    const reader = await createKey(gateway, { name: 'filter-actor', scopes: ['admin'] });
    const mine = await request(gateway.url)
      .post('/v1/tenants')
      .set(bearer(reader.key))
      .send({ name: 'by-actor' })
      .expect(201);

    const byActor = await list({ actorKeyId: reader.id });
    expect(byActor.items.map((event) => event.targetId)).toEqual([mine.body.id]);
    // The window's edges are the event's own instant (no sleeps to pull clocks apart): since is
    // inclusive, until exclusive.
    const at = new Date(byActor.items[0].createdAt);
    const start = at;
    const end = new Date(at.getTime() + 1);
    const byAction = await list({ action: 'tenant.created', limit: 500 });
    expect(byAction.items.length).toBeGreaterThan(0);
    expect(byAction.items.every((event) => event.action === 'tenant.created')).toBe(true);
    const inWindow = await list({
      since: start.toISOString(),
      until: end.toISOString(),
      actorKeyId: reader.id,
    });
    expect(inWindow.items.map((event) => event.targetId)).toEqual([mine.body.id]);
    const before = await list({ until: start.toISOString(), actorKeyId: reader.id });
    expect(before.items).toEqual([]);
    const bad = await request(gateway.url)
      .get('/v1/audit-events')
      .query({ since: 'yesterday' })
      .set(admin)
      .expect(422);
    expect(bad.body.errors[0].field).toBe('since');
    await request(gateway.url).get('/v1/audit-events').query({ unknown: 'x' }).set(admin).expect(422);
  });

  it('pages across events with a cursor, newest first, no repeats', async () => {
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await createTenant(gateway, `paged-${name}`);
    const all = await list({ action: 'tenant.created', limit: 500 });
    const seen: Event[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list({ action: 'tenant.created', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.items.length / 2));
    expect(seen.map((event) => event.id)).toEqual(all.items.map((event) => event.id));
    const times = seen.map((event) => Date.parse(event.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const bad = await request(gateway.url)
      .get('/v1/audit-events')
      .query({ cursor: 'eyJjIjoxfQ' })
      .set(admin)
      .expect(422);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'cursor' }] });
  });

  it('shows a tenant key its own tenant’s events only; an admin every tenant or one', async () => {
    const a = await createTenant(gateway, 'tenant-a');
    const b = await createTenant(gateway, 'tenant-b');
    const keyA = await createKey(gateway, { name: 'a-reader', scopes: ['sub-users:read'], tenantId: a.id });
    await createKey(gateway, { name: 'b-reader', scopes: ['sub-users:read'], tenantId: b.id });

    const seenByA = await list({ limit: 500 }, bearer(keyA.key));
    expect(seenByA.items.length).toBeGreaterThan(0);
    expect(seenByA.items.every((event) => event.tenantId === a.id)).toBe(true);
    expect((await list({ targetId: b.id }, bearer(keyA.key))).items).toEqual([]);
    expect((await list({ tenantId: b.id }, bearer(keyA.key))).items).toEqual([]);

    const adminAll = await list({ limit: 500 });
    const tenants = new Set(adminAll.items.map((event) => event.tenantId));
    expect(tenants.has(a.id) && tenants.has(b.id) && tenants.has('default')).toBe(true);
    const adminB = await list({ tenantId: b.id });
    expect(adminB.items.length).toBeGreaterThan(0);
    expect(adminB.items.every((event) => event.tenantId === b.id)).toBe(true);

    const writer = await createKey(gateway, {
      name: 'writer-only',
      scopes: ['sub-users:write'],
      tenantId: a.id,
    });
    await request(gateway.url).get('/v1/audit-events').set(bearer(writer.key)).expect(403);
  });
});
