import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import request from 'supertest';
import { WebhookVerificationError } from 'standardwebhooks';
import { admin, prismaOf, tableText } from '../access/access-helpers';
import { LogCapture } from '../operability/log-capture';
import { scrape, sampleValue } from '../operability/metrics-text';
import { FAST_REGISTRY, createSubUser } from '../sub-users/sub-users-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { Receiver, eventually, verify } from './receiver';
import { WEBHOOK_ENV, deliveriesOf, registerEndpoint, removeAllEndpoints } from './webhook-helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Deliveries over real HTTP to receivers on 127.0.0.1, each verified with the `standardwebhooks`
 * package as a receiver would: signatures, retries on the configured schedule, the delivery log,
 * manual retries, test events, secret rotation, and the send-time URL policy.
 */
describe('webhook deliveries', () => {
  let gateway: RunningGateway;
  const logs = new LogCapture();
  /** Every signing secret the gateway handed out: none may appear anywhere else. */
  const issued: string[] = [];
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const started = await Receiver.start();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, ...WEBHOOK_ENV, WEBHOOK_ENDPOINT_CONCURRENCY: '2', LOG_LEVEL: 'debug' },
      { registry: FAST_REGISTRY, logStream: logs },
    );
  });
  afterEach(async () => {
    // Before the endpoints (and their delivery logs) go: no secret in a log, a delivery log or an event.
    const places = {
      logs: logs.text(),
      deliveries: await tableText(gateway, 'webhook_deliveries'),
      events: await tableText(gateway, 'outbox_events'),
      audit: await tableText(gateway, 'audit_events'),
    };
    for (const secret of issued) {
      for (const [place, text] of Object.entries(places)) {
        expect({ place, leaked: text.includes(secret.slice('whsec_'.length)) }).toEqual({
          place,
          leaked: false,
        });
      }
    }
    await removeAllEndpoints(gateway);
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const register = async (body: Record<string, unknown>) => {
    const endpoint = await registerEndpoint(gateway, body);
    issued.push(endpoint.secret);
    return endpoint;
  };
  const patch = (id: string, body: Record<string, unknown>) =>
    request(gateway.url).patch(`/v1/sub-users/${id}`).set(admin).send(body).expect(200);

  it('POSTs each change signed per Standard Webhooks: the standardwebhooks package verifies it, and it is the feed’s event', async () => {
    const hook = await receiver();
    const endpoint = await register({
      url: hook.url,
      events: ['sub-user.created', 'sub-user.updated'],
    });
    const created = await createSubUser(gateway, { provider: 'proxyhat', name: 'wh-signed' });
    await hook.waitFor('sub-user.created', () => hook.ofType('sub-user.created').length === 1);
    const [delivery] = hook.received;
    const event = verify(endpoint.secret, delivery) as Record<string, any>;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['webhook-id']).toBe(event.id);
    expect(String(delivery.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const current = await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin).expect(200);
    expect(event).toEqual({
      id: expect.stringMatching(UUID),
      type: 'sub-user.created',
      occurredAt: expect.stringMatching(ISO),
      tenantId: 'default',
      subject: { type: 'sub-user', id: created.id },
      data: current.body,
      changes: null,
    });
    // The same event, to the byte, in the feed.
    const fed = await request(gateway.url).get(`/v1/events/${event.id}`).set(admin).expect(200);
    expect(fed.body).toEqual(event);

    await patch(created.id, { metadata: { plan: 'gold' } });
    await hook.waitFor('sub-user.updated', () => hook.ofType('sub-user.updated').length === 1);
    const updated = verify(endpoint.secret, hook.ofType('sub-user.updated')[0]) as Record<string, any>;
    expect(updated.changes).toEqual({ before: { metadata: {} }, after: { metadata: { plan: 'gold' } } });
    expect(updated.data.metadata).toEqual({ plan: 'gold' });
    // Subscribed to two types only: nothing else arrived.
    expect(hook.received.map((entry) => entry.event.type)).toEqual(['sub-user.created', 'sub-user.updated']);
  });

  it('retries a failed delivery on the schedule: 500, 500, then 200 delivers the event on the third attempt', async () => {
    const hook = await receiver();
    hook.answer({ status: 500, body: 'down' }, { status: 500, body: 'still down' });
    const endpoint = await register({ url: hook.url, events: ['sub-user.updated'] });
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'wh-retry' });
    await patch(subUser.id, { notes: 'third time lucky' });
    await hook.waitFor('three attempts', () => hook.received.length === 3);
    const ids = hook.received.map((entry) => entry.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    for (const attempt of hook.received)
      expect(verify(endpoint.secret, attempt)).toEqual(hook.received[0].event);
    // 300 ms apart at least (WEBHOOK_RETRY_SCHEDULE).
    expect(hook.received[1].at - hook.received[0].at).toBeGreaterThanOrEqual(250);
    expect(hook.received[2].at - hook.received[1].at).toBeGreaterThanOrEqual(250);
    await eventually(
      'delivery recorded',
      async () => (await deliveriesOf(gateway, endpoint.id))[0]?.status === 'succeeded',
    );
    const [log] = await deliveriesOf(gateway, endpoint.id);
    expect(log).toEqual({
      id: expect.stringMatching(UUID),
      eventId: ids[0],
      eventType: 'sub-user.updated',
      status: 'succeeded',
      attempts: 3,
      statusCode: 200,
      durationMs: expect.any(Number),
      error: null,
      responseBody: null,
      nextAttemptAt: null,
      createdAt: expect.stringMatching(ISO),
      deliveredAt: expect.stringMatching(ISO),
    });
  });

  it('keeps the first 1 KB of a failed answer, gives up after the schedule, and a manual retry sends once more', async () => {
    const hook = await receiver();
    hook.fallback = { status: 500, body: 'x'.repeat(5000) };
    const endpoint = await register({ url: hook.url, events: ['sub-user.updated'] });
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'wh-give-up' });
    await patch(subUser.id, { notes: 'never accepted' });
    // One attempt and the three retries of WEBHOOK_RETRY_SCHEDULE.
    await eventually(
      'given up',
      async () => (await deliveriesOf(gateway, endpoint.id))[0]?.status === 'failed',
    );
    const [failed] = await deliveriesOf(gateway, endpoint.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 4,
      statusCode: 500,
      error: 'answered 500',
      responseBody: 'x'.repeat(1024),
      nextAttemptAt: null,
      deliveredAt: null,
    });
    expect(hook.received).toHaveLength(4);

    hook.fallback = { status: 204 };
    const retried = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed.id}/retry`)
      .set(admin)
      .expect(200);
    expect(retried.body).toMatchObject({
      id: failed.id,
      status: 'succeeded',
      attempts: 5,
      statusCode: 204,
      error: null,
    });
    expect(hook.received).toHaveLength(5);
    expect(hook.received[4].headers['webhook-id']).toBe(failed.eventId);

    const unknown = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`)
      .set(admin)
      .expect(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
  });

  it('sends webhook.test at once to that endpoint only; after a rotation both secrets sign for a day', async () => {
    const hook = await receiver();
    const other = await receiver();
    const endpoint = await register({ url: hook.url });
    await register({ url: other.url });

    const tested = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/test`)
      .set(admin)
      .expect(200);
    expect(tested.body).toMatchObject({
      eventType: 'webhook.test',
      status: 'succeeded',
      attempts: 1,
      statusCode: 200,
    });
    expect(hook.received).toHaveLength(1);
    expect(verify(endpoint.secret, hook.received[0])).toEqual({
      id: tested.body.eventId,
      type: 'webhook.test',
      occurredAt: tested.body.createdAt,
      tenantId: null,
      subject: { type: 'webhook-endpoint', id: endpoint.id },
      data: { message: 'A test event from the sub-user gateway: this endpoint receives its events.' },
      changes: null,
    });
    // A test is not a change: in no feed, at no other endpoint.
    await request(gateway.url).get(`/v1/events/${tested.body.eventId}`).set(admin).expect(404);

    const rotated = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(admin)
      .expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    issued.push(rotated.body.secret);
    await request(gateway.url).post(`/v1/webhook-endpoints/${endpoint.id}/test`).set(admin).expect(200);
    const overlap = hook.received[1];
    expect(String(overlap.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver holding either secret verifies the message.
    expect(verify(rotated.body.secret, overlap)).toEqual(overlap.event);
    expect(verify(endpoint.secret, overlap)).toEqual(overlap.event);

    // A day later (moved here by hand) the previous secret no longer signs.
    await prismaOf(gateway).webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1000) },
    });
    await request(gateway.url).post(`/v1/webhook-endpoints/${endpoint.id}/test`).set(admin).expect(200);
    const after = hook.received[2];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(rotated.body.secret, after)).toEqual(after.event);
    expect(() => verify(endpoint.secret, after)).toThrow(WebhookVerificationError);
    expect(other.received).toHaveLength(0);
  });

  it('two rotations at once: each secret handed out signs the next delivery (current or previous)', async () => {
    const hook = await receiver();
    const endpoint = await register({ url: hook.url });
    const rotate = () =>
      request(gateway.url).post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(admin).expect(200);
    const [first, second] = await Promise.all([rotate(), rotate()]);
    issued.push(first.body.secret, second.body.secret);
    await request(gateway.url).post(`/v1/webhook-endpoints/${endpoint.id}/test`).set(admin).expect(200);
    const delivery = hook.received[hook.received.length - 1];
    expect(verify(first.body.secret, delivery)).toEqual(delivery.event);
    expect(verify(second.body.secret, delivery)).toEqual(delivery.event);
  });

  it('answers a test to a failing endpoint with the failed attempt and when it is tried next', async () => {
    const hook = await receiver();
    hook.answer({ status: 503, body: 'maintenance' });
    const endpoint = await register({ url: hook.url, events: ['sub-user.deleted'] });
    const tested = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/test`)
      .set(admin)
      .expect(200);
    expect(tested.body).toEqual({
      id: expect.stringMatching(UUID),
      eventId: expect.stringMatching(UUID),
      eventType: 'webhook.test',
      status: 'pending',
      attempts: 1,
      statusCode: 503,
      durationMs: expect.any(Number),
      error: 'answered 503',
      responseBody: 'maintenance',
      nextAttemptAt: expect.stringMatching(ISO),
      createdAt: expect.stringMatching(ISO),
      deliveredAt: null,
    });
    // The retry goes out on schedule and succeeds.
    await hook.waitFor('the retry', () => hook.received.length === 2);
    expect(hook.received[1].headers['webhook-id']).toBe(tested.body.eventId);
  });

  it('refuses at send time a host name that resolves to a loopback address (not allowlisted), sending nothing', async () => {
    const hook = await receiver();
    const name = hostname();
    // The machine's own name resolves to loopback here: nothing can leave the machine.
    const addresses = await lookup(name, { all: true });
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((entry) => /^127\./.test(entry.address) || entry.address === '::1')).toBe(true);
    const endpoint = await register({ url: `http://${name}:${hook.port}/hook` });
    const tested = await request(gateway.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/test`)
      .set(admin)
      .expect(200);
    expect(tested.body).toMatchObject({
      status: 'pending',
      attempts: 1,
      statusCode: null,
      error: `refused: ${name} resolves to a loopback, private or link-local address, which is not allowed here`,
    });
    expect(hook.received).toHaveLength(0);
  });

  it('delivers one sub-user’s events in order, and a slow endpoint does not hold up a fast one', async () => {
    const slow = await receiver();
    const fast = await receiver();
    slow.fallback = { status: 200, delayMs: 1500 };
    await register({ url: slow.url, events: ['sub-user.updated'] });
    const fastEndpoint = await register({ url: fast.url, events: ['sub-user.updated'] });
    const subUsers = await Promise.all(
      [1, 2, 3].map((n) => createSubUser(gateway, { provider: 'proxyhat', name: `wh-order-${n}` })),
    );
    for (let step = 1; step <= 4; step += 1) {
      await Promise.all(subUsers.map((subUser) => patch(subUser.id, { metadata: { step: String(step) } })));
    }
    await fast.waitFor('12 updates at the fast endpoint', () => fast.received.length === 12);
    // The slow endpoint (1.5 s per answer, 2 at a time) had not answered them all by then.
    expect(slow.answered).toBeLessThan(12);
    await slow.waitFor('12 updates at the slow endpoint', () => slow.received.length === 12, 60_000);
    // WEBHOOK_ENDPOINT_CONCURRENCY=2: never more at once.
    expect(slow.mostInFlight).toBeLessThanOrEqual(2);
    for (const hook of [fast, slow]) {
      for (const subUser of subUsers) {
        const steps = hook.received
          .filter((entry) => entry.event.subject.id === subUser.id)
          .map((entry) => entry.event.data.metadata.step);
        expect({ subUser: subUser.name, steps }).toEqual({
          subUser: subUser.name,
          steps: ['1', '2', '3', '4'],
        });
      }
    }
    for (const entry of fast.received) verify(fastEndpoint.secret, entry);
  });

  it('counts deliveries by outcome and reports the queue in /metrics', async () => {
    const before = await scrape(gateway.url);
    const hook = await receiver();
    hook.answer({ status: 500 });
    const endpoint = await register({ url: hook.url, events: ['sub-user.updated'] });
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'wh-metrics' });
    await patch(subUser.id, { notes: 'counted' });
    await eventually(
      'delivered',
      async () => (await deliveriesOf(gateway, endpoint.id))[0]?.status === 'succeeded',
    );
    await eventually('queue empty in /metrics', async () => {
      const samples = await scrape(gateway.url);
      return sampleValue(samples, 'sgw_webhook_queue_depth') === 0;
    });
    const after = await scrape(gateway.url);
    const delta = (outcome: string) =>
      sampleValue(after, 'sgw_webhook_deliveries_total', { outcome }) -
      sampleValue(before, 'sgw_webhook_deliveries_total', { outcome });
    expect({ succeeded: delta('succeeded'), failed: delta('failed'), gaveUp: delta('gave-up') }).toEqual({
      succeeded: 1,
      failed: 1,
      gaveUp: 0,
    });
    expect(sampleValue(after, 'sgw_webhook_oldest_pending_age_seconds')).toBe(0);
    // The secret checks after each test searched a log that did record deliveries.
    expect(logs.text()).toContain('webhook delivery failed, will retry');
    expect(issued.length).toBeGreaterThanOrEqual(10);
  });
});
