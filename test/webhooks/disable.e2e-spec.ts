import request from 'supertest';
import { admin } from '../access/access-helpers';
import { FAST_REGISTRY, createSubUser } from '../sub-users/sub-users-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { Receiver, eventually, verify } from './receiver';
import { WEBHOOK_ENV, deliveriesOf, registerEndpoint } from './webhook-helpers';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * An endpoint failing for WEBHOOK_DISABLE_AFTER (3 days; 1 s here) is switched off and that is
 * announced; switched on again, it gets what it is owed.
 */
describe('an endpoint that keeps failing', () => {
  let gateway: RunningGateway;
  let failing: Receiver;
  let watcher: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway(
      {
        ...SANDBOX_ENV,
        ...WEBHOOK_ENV,
        WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
        WEBHOOK_DISABLE_AFTER: '1s',
      },
      { registry: FAST_REGISTRY },
    );
    failing = await Receiver.start();
    watcher = await Receiver.start();
  });
  afterAll(async () => {
    await failing?.close();
    await watcher?.close();
    await gateway?.close();
  });

  it('is disabled with a webhook-endpoint.disabled event, receives nothing new, and resumes when enabled', async () => {
    failing.fallback = { status: 500, body: 'broken' };
    const broken = await registerEndpoint(gateway, { url: failing.url, events: ['sub-user.updated'] });
    const watching = await registerEndpoint(gateway, {
      url: watcher.url,
      events: ['webhook-endpoint.disabled'],
    });
    const subUser = await createSubUser(gateway, { provider: 'proxyhat', name: 'wh-disable' });
    await request(gateway.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ notes: 'one' })
      .expect(200);

    await watcher.waitFor('webhook-endpoint.disabled', () => watcher.received.length === 1);
    const event = verify(watching.secret, watcher.received[0]) as Record<string, any>;
    const shown = await request(gateway.url).get(`/v1/webhook-endpoints/${broken.id}`).set(admin).expect(200);
    expect(shown.body).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/^every delivery failed since \d{4}-\d\d-\d\dT[\d:.]+Z$/),
      failingSince: expect.stringMatching(ISO),
    });
    expect(event).toMatchObject({
      type: 'webhook-endpoint.disabled',
      tenantId: null,
      subject: { type: 'webhook-endpoint', id: broken.id },
      changes: null,
    });
    expect(event.data).toEqual(shown.body);
    // Failing since at least WEBHOOK_DISABLE_AFTER: several attempts, all failed.
    expect(failing.received.length).toBeGreaterThanOrEqual(4);
    const [owed] = await deliveriesOf(gateway, broken.id);
    expect(owed).toMatchObject({
      status: 'pending',
      statusCode: 500,
      error: 'answered 500',
      responseBody: 'broken',
    });

    // Disabled: a new event is not even owed to it.
    await request(gateway.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ notes: 'two' })
      .expect(200);
    expect(await deliveriesOf(gateway, broken.id)).toHaveLength(1);

    failing.fallback = { status: 200 };
    const enabled = await request(gateway.url)
      .patch(`/v1/webhook-endpoints/${broken.id}`)
      .set(admin)
      .send({ enabled: true })
      .expect(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await eventually(
      'the owed event delivered',
      async () => (await deliveriesOf(gateway, broken.id))[0].status === 'succeeded',
    );
    const last = failing.received[failing.received.length - 1];
    expect(verify(broken.secret, last)).toMatchObject({
      id: owed.eventId,
      changes: { after: { notes: 'one' } },
    });
    const feed = await request(gateway.url)
      .get('/v1/events?type=webhook-endpoint.disabled')
      .set(admin)
      .expect(200);
    expect(feed.body.items.map((item: { id: string }) => item.id)).toEqual([event.id]);
  });
});
