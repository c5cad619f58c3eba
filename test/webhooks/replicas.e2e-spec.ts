import request from 'supertest';
import { admin } from '../access/access-helpers';
import { scrape, sampleValue } from '../operability/metrics-text';
import { createSubUser } from '../sub-users/sub-users-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { Receiver, eventually, verify } from './receiver';
import { WEBHOOK_ENV, registerEndpoint } from './webhook-helpers';

const SUB_USERS = 10;
const CHANGES_EACH = 50;
const TOTAL = SUB_USERS * CHANGES_EACH;

/**
 * Two replicas on one PostgreSQL database share the deliveries: under a burst of 500 changes a
 * healthy endpoint gets each event exactly once, and each sub-user's events in order.
 */
describe('webhook deliveries from two replicas (PostgreSQL)', () => {
  let database: TestDatabase;
  let primary: RunningGateway;
  let replica: RunningGateway;
  let hook: Receiver;

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    primary = await startTestGateway({ ...SANDBOX_ENV, ...WEBHOOK_ENV, DATABASE_URL: database.url });
    replica = await startTestGateway({ ...WEBHOOK_ENV, DATABASE_URL: database.url, SANDBOX: 'false' });
    hook = await Receiver.start();
  });
  afterAll(async () => {
    await hook?.close();
    await replica?.close();
    await primary?.close();
    await database?.drop();
  });

  it('delivers each of 500 events exactly once, in order per sub-user', async () => {
    const endpoint = await registerEndpoint(primary, { url: hook.url, events: ['sub-user.updated'] });
    const subUsers = await Promise.all(
      Array.from({ length: SUB_USERS }, (_, n) =>
        createSubUser(primary, { provider: 'proxyhat', name: `wh-burst-${n}` }),
      ),
    );
    // Each sub-user's changes one after the other, alternating replicas; the sub-users in parallel.
    await Promise.all(
      subUsers.map(async (subUser) => {
        for (let step = 1; step <= CHANGES_EACH; step += 1) {
          const gateway = step % 2 === 0 ? primary : replica;
          await request(gateway.url)
            .patch(`/v1/sub-users/${subUser.id}`)
            .set(admin)
            .send({ metadata: { step: String(step) } })
            .expect(200);
        }
      }),
    );
    await hook.waitFor(`${TOTAL} deliveries`, () => hook.received.length >= TOTAL, 120_000);
    // Whatever was still on its way has arrived: nothing is pending any more.
    await eventually(
      'every delivery recorded',
      async () =>
        sampleValue(await scrape(primary.url), 'sgw_webhook_queue_depth') === 0 &&
        sampleValue(await scrape(replica.url), 'sgw_webhook_queue_depth') === 0,
      60_000,
    );

    const ids = hook.received.map((entry) => String(entry.headers['webhook-id']));
    expect({ received: ids.length, distinct: new Set(ids).size }).toEqual({
      received: TOTAL,
      distinct: TOTAL,
    });
    for (const entry of hook.received) verify(endpoint.secret, entry);
    for (const subUser of subUsers) {
      const steps = hook.received
        .filter((entry) => entry.event.subject.id === subUser.id)
        .map((entry) => Number(entry.event.data.metadata.step));
      expect({ subUser: subUser.name, steps }).toEqual({
        subUser: subUser.name,
        steps: Array.from({ length: CHANGES_EACH }, (_, n) => n + 1),
      });
    }
    // Both replicas took part, and together they sent each event once.
    const sent = await Promise.all(
      [primary, replica].map(async (gateway) =>
        sampleValue(await scrape(gateway.url), 'sgw_webhook_deliveries_total', { outcome: 'succeeded' }),
      ),
    );
    expect(sent[0] + sent[1]).toBe(TOTAL);
    expect(sent.every((count) => count > 0)).toBe(true);
  });
});
