import request from 'supertest';
import { admin, bearer, createKey, createTenant, tenantWithKey } from '../access/access-helpers';
import { accountIds, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { Receiver, eventually, verify } from '../webhooks/receiver';
import { WEBHOOK_ENV, registerEndpoint } from '../webhooks/webhook-helpers';

type Event = Record<string, any>;

/**
 * The event feed and what produces events beyond the sub-user lifecycle (jobs, provider account
 * health), and tenancy: a tenant never receives or lists another tenant's events.
 */
describe('events: the feed, its producers and tenancy', () => {
  let gateway: RunningGateway;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const started = await Receiver.start();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, ...WEBHOOK_ENV, UPSTREAM_TIMEOUT_MS: '800' },
      {
        registry: {
          driverOptions: {
            retry: {
              maxAttempts: 1,
              baseDelayMs: 5,
              maxDelayMs: 20,
              retryAfterCapMs: 50,
              maxTotalWaitMs: 100,
            },
            circuit: { threshold: 3, halfOpenAfterMs: 300 },
          },
        },
      },
    );
  });
  afterEach(() => sandboxOf(gateway).control.clearFaults());
  afterAll(async () => {
    for (const started of receivers) await started.close();
    await gateway?.close();
  });

  const feed = async (query: string, as = admin): Promise<{ items: Event[]; nextCursor: string | null }> =>
    (await request(gateway.url).get(`/v1/events?${query}`).set(as).expect(200)).body;

  it('lists events newest first, filtered by type (repeated), sub-user and time, in pages', async () => {
    // Webshare deletes at once: no later confirmation adds an event while the test reads.
    const subUser = await createSubUser(gateway, { provider: 'webshare', name: 'ev-feed' });
    await request(gateway.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ notes: 'one' })
      .expect(200);
    await request(gateway.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ notes: 'two' })
      .expect(200);
    await request(gateway.url).delete(`/v1/sub-users/${subUser.id}`).set(admin).expect(200);

    const all = await feed(`subUserId=${subUser.id}`);
    expect(all.items.map((event) => event.type)).toEqual([
      'sub-user.deleted',
      'sub-user.updated',
      'sub-user.updated',
      'sub-user.created',
    ]);
    expect(all.nextCursor).toBeNull();
    for (const event of all.items) expect(event.subject).toEqual({ type: 'sub-user', id: subUser.id });
    expect(all.items[1].changes).toEqual({ before: { notes: 'one' }, after: { notes: 'two' } });
    expect(all.items[3].changes).toBeNull();

    const typed = await feed(`subUserId=${subUser.id}&type=sub-user.created&type=sub-user.deleted`);
    expect(typed.items.map((event) => event.type)).toEqual(['sub-user.deleted', 'sub-user.created']);
    const one = await feed(`subUserId=${subUser.id}&type=sub-user.updated`);
    expect(one.items).toEqual([all.items[1], all.items[2]]);
    const since = await feed(`subUserId=${subUser.id}&since=${encodeURIComponent(all.items[1].occurredAt)}`);
    expect(since.items.map((event) => event.id)).toEqual(
      all.items.filter((event) => event.occurredAt >= all.items[1].occurredAt).map((event) => event.id),
    );

    // A walk one event at a time gives the same events in the same order.
    const walked: Event[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Event[]; nextCursor: string | null } = await feed(
        `subUserId=${subUser.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.items);

    const bad = await request(gateway.url).get('/v1/events?cursor=x').set(admin).expect(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const badSince = await request(gateway.url).get('/v1/events?since=yesterday').set(admin).expect(422);
    expect(badSince.body.errors).toEqual([
      {
        field: 'since',
        message:
          'since must be an ISO 8601 date-time between 1970-01-01 and 9999-12-31 (e.g. 2026-11-01T00:00:00Z)',
      },
    ]);
    // Years a bare Date accepts but timestamptz cannot hold: refused before the database sees them.
    for (const instant of ['-200000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z']) {
      const outOfRange = await request(gateway.url)
        .get(`/v1/events?since=${encodeURIComponent(instant)}`)
        .set(admin)
        .expect(422);
      expect(outOfRange.body.code).toBe('VALIDATION_FAILED');
    }
    await request(gateway.url).get('/v1/events/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
    await request(gateway.url).get('/v1/events/not-a-uuid').set(admin).expect(404);
  });

  it('never lets a tenant receive or list another tenant’s events; an admin endpoint gets every tenant’s', async () => {
    const acme = await createTenant(gateway, 'ev-acme');
    const globex = await createTenant(gateway, 'ev-globex');
    const scopes = ['sub-users:read', 'sub-users:write'];
    const acmeKey = bearer((await createKey(gateway, { name: 'ev-acme', scopes, tenantId: acme.id })).key);
    const globexKey = bearer(
      (await createKey(gateway, { name: 'ev-globex', scopes, tenantId: globex.id })).key,
    );
    const [acmeHook, globexHook, adminHook] = [await receiver(), await receiver(), await receiver()];
    const acmeEndpoint = await registerEndpoint(gateway, { url: acmeHook.url }, acmeKey);
    const globexEndpoint = await registerEndpoint(gateway, { url: globexHook.url }, globexKey);
    const adminEndpoint = await registerEndpoint(gateway, {
      url: adminHook.url,
      events: ['sub-user.created'],
    });

    const ours = await createSubUser(gateway, { provider: 'webshare', name: 'ev-acme-1' }, acmeKey);
    const theirs = await createSubUser(gateway, { provider: 'webshare', name: 'ev-globex-1' }, globexKey);
    await acmeHook.waitFor('acme’s create', () => acmeHook.ofType('sub-user.created').length === 1);
    await globexHook.waitFor('globex’s create', () => globexHook.ofType('sub-user.created').length === 1);
    await adminHook.waitFor('both creates', () => adminHook.received.length === 2);

    expect(acmeHook.received.map((entry) => [entry.event.tenantId, entry.event.subject.id])).toEqual([
      [acme.id, ours.id],
    ]);
    expect(globexHook.received.map((entry) => [entry.event.tenantId, entry.event.subject.id])).toEqual([
      [globex.id, theirs.id],
    ]);
    expect(adminHook.received.map((entry) => entry.event.subject.id).sort()).toEqual(
      [ours.id, theirs.id].sort(),
    );
    for (const entry of acmeHook.received) verify(acmeEndpoint.secret, entry);
    for (const entry of globexHook.received) verify(globexEndpoint.secret, entry);
    for (const entry of adminHook.received) verify(adminEndpoint.secret, entry);

    const acmeFeed = await feed('limit=500', acmeKey);
    expect(acmeFeed.items.map((event) => event.subject.id)).toEqual([ours.id]);
    expect(await feed(`subUserId=${theirs.id}`, acmeKey)).toEqual({ items: [], nextCursor: null });
    expect(await feed(`tenantId=${globex.id}`, acmeKey)).toEqual({ items: [], nextCursor: null });
    const theirEvent = globexHook.received[0].event;
    await request(gateway.url).get(`/v1/events/${theirEvent.id}`).set(acmeKey).expect(404);
    expect(
      (await request(gateway.url).get(`/v1/events/${theirEvent.id}`).set(globexKey).expect(200)).body,
    ).toEqual(theirEvent);
    const adminView = await feed(`tenantId=${globex.id}`);
    expect(adminView.items.map((event) => event.id)).toEqual([theirEvent.id]);
  });

  it('tells a tenant a sub-user left it (moved-out) and the tenant it entered (moved-in), neither seeing the other’s values', async () => {
    const left = await tenantWithKey(gateway, 'ev-move-from');
    const entered = await tenantWithKey(gateway, 'ev-move-to');
    const [leftHook, enteredHook] = [await receiver(), await receiver()];
    await registerEndpoint(gateway, { url: leftHook.url }, left.as);
    await registerEndpoint(gateway, { url: enteredHook.url }, entered.as);
    const subUser = await createSubUser(
      gateway,
      {
        provider: 'proxyhat',
        name: 'ev-moved',
        metadata: { customer: 'from-internal-42' },
        notes: 'from notes',
      },
      left.as,
    );
    await request(gateway.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ tenantId: entered.tenant.id, metadata: { customer: 'to-7' } })
      .expect(200);
    await leftHook.waitFor('the move out', () => leftHook.ofType('sub-user.moved-out').length === 1);
    await enteredHook.waitFor('the move in', () => enteredHook.ofType('sub-user.moved-in').length === 1);

    const out = leftHook.ofType('sub-user.moved-out')[0].event;
    expect(out).toMatchObject({ tenantId: left.tenant.id, subject: { type: 'sub-user', id: subUser.id } });
    expect(out.data).toMatchObject({ tenantId: left.tenant.id, metadata: { customer: 'from-internal-42' } });
    const into = enteredHook.ofType('sub-user.moved-in')[0].event;
    expect(into).toMatchObject({ tenantId: entered.tenant.id, changes: null });
    expect(into.data).toMatchObject({ tenantId: entered.tenant.id, metadata: { customer: 'to-7' } });
    expect(enteredHook.received.map((entry) => entry.event.type)).toEqual(['sub-user.moved-in']);

    // Each tenant's feed and audit log hold its own side only.
    const leftFeed = await feed(`subUserId=${subUser.id}`, left.as);
    expect(leftFeed.items.map((event) => event.type)).toEqual(['sub-user.moved-out', 'sub-user.created']);
    const enteredFeed = await feed(`subUserId=${subUser.id}`, entered.as);
    expect(enteredFeed.items.map((event) => event.type)).toEqual(['sub-user.moved-in']);
    const enteredAudit = await request(gateway.url)
      .get(`/v1/audit-events?tenantId=${entered.tenant.id}&targetId=${subUser.id}`)
      .set(admin)
      .expect(200);
    const enteredText = JSON.stringify([enteredFeed, enteredAudit.body, enteredHook.received]);
    expect(enteredText).not.toContain('from-internal-42');
    expect(enteredText).not.toContain(left.tenant.id);
    const leftText = JSON.stringify([leftFeed, leftHook.received]);
    expect(leftText).not.toContain('to-7');
    expect(leftText).not.toContain(entered.tenant.id);
  });

  it('announces job.finished with the job as GET /v1/jobs/:id shows it', async () => {
    const hook = await receiver();
    const endpoint = await registerEndpoint(gateway, { url: hook.url, events: ['job.finished'] });
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'ev-job' });
    const accepted = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(admin)
      .send({ ids: [subUser.id] })
      .expect(202);
    const job = await waitForJob(gateway, accepted.body.id);
    await hook.waitFor('job.finished', () => hook.received.length === 1);
    const event = verify(endpoint.secret, hook.received[0]) as Event;
    expect(event).toMatchObject({
      type: 'job.finished',
      tenantId: 'default',
      subject: { type: 'job', id: job.id },
      changes: null,
    });
    expect(event.data).toEqual(job);
    expect(event.data.status).toBe('succeeded');
  });

  it('announces a refused provider key once per failing streak, not per call', async () => {
    const { proxyhat } = await accountIds(gateway);
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'ev-auth' });
    const { control } = sandboxOf(gateway);
    const authFailures = async () => (await feed('type=provider-account.auth-failed')).items;
    const fresh = (status: number) =>
      request(gateway.url).get(`/v1/sub-users/${subUser.id}?fresh=true`).set(admin).expect(status);

    control.addFault({ provider: 'proxyhat', operation: 'get', mode: 'error', status: 401 });
    for (let call = 0; call < 3; call += 1) await fresh(502);
    await eventually('auth-failed recorded', async () => (await authFailures()).length === 1);
    control.clearFaults();
    await fresh(200);
    control.addFault({ provider: 'proxyhat', operation: 'get', mode: 'error', status: 401 });
    await fresh(502);
    await fresh(502);
    await eventually('a second streak', async () => (await authFailures()).length === 2);
    const events = await authFailures();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        type: 'provider-account.auth-failed',
        tenantId: null,
        subject: { type: 'provider-account', id: proxyhat },
        data: { id: proxyhat, provider: 'proxyhat', name: 'proxyhat-sandbox' },
      });
      expect(JSON.stringify(event)).not.toContain('ph-sandbox-key');
    }
  });

  it('announces a circuit opening once per outage and its closing', async () => {
    const { webshare } = await accountIds(gateway);
    const subUser = await createSubUser(gateway, { provider: 'webshare', name: 'ev-circuit' });
    const { control } = sandboxOf(gateway);
    const circuitEvents = async () =>
      (await feed('type=provider-account.circuit-opened&type=provider-account.circuit-closed')).items;
    control.addFault({ provider: 'webshare', operation: '*', mode: 'error', status: 503 });
    for (let call = 0; call < 5; call += 1) {
      await request(gateway.url).get(`/v1/sub-users/${subUser.id}?fresh=true`).set(admin).expect(503);
    }
    await eventually('circuit-opened', async () => (await circuitEvents()).length === 1);
    control.clearFaults();
    // Half-open after 300 ms: the first call that goes through closes it.
    await eventually('the account answers again', async () => {
      const response = await request(gateway.url).get(`/v1/sub-users/${subUser.id}?fresh=true`).set(admin);
      return response.status === 200;
    });
    await eventually('circuit-closed', async () => (await circuitEvents()).length === 2);
    const events = await circuitEvents();
    expect(events.map((event) => [event.type, event.subject])).toEqual([
      ['provider-account.circuit-closed', { type: 'provider-account', id: webshare }],
      ['provider-account.circuit-opened', { type: 'provider-account', id: webshare }],
    ]);
    expect(events[1].data).toMatchObject({ id: webshare, name: 'webshare-sandbox' });
  });
});
