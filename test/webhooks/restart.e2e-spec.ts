import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { admin } from '../access/access-helpers';
import { createSubUser } from '../sub-users/sub-users-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { migratedEmbeddedFolderUrl, usingPostgres } from '../support/test-database';
import { Receiver, eventually, verify } from './receiver';
import { WEBHOOK_ENV, deliveriesOf, registerEndpoint } from './webhook-helpers';

// Long enough that the first process is gone before the retry is due.
const RETRY_AFTER = { WEBHOOK_RETRY_SCHEDULE: '3s' };

/** Deliveries live in the database: a restart between attempts loses nothing and keeps the order. */
describe('webhook deliveries across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sgw-webhooks-restart-'));
  const gateways: RunningGateway[] = [];
  let hook: Receiver;

  beforeAll(async () => {
    hook = await Receiver.start();
  });
  afterAll(async () => {
    await hook?.close();
    for (const gateway of gateways) {
      await gateway.app.close().catch(() => undefined);
      await gateway.sandbox?.close();
      await gateway.database.drop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the retry of an attempt failed before the restart, then the next event of that sub-user', async () => {
    const first = await startTestGateway({
      ...SANDBOX_ENV,
      ...WEBHOOK_ENV,
      ...RETRY_AFTER,
      ...(usingPostgres() ? {} : { DATABASE_URL: migratedEmbeddedFolderUrl(dataDir) }),
    });
    gateways.push(first);
    const databaseUrl = usingPostgres() ? first.database.url : `pglite:${dataDir}`;
    hook.answer({ status: 500, body: 'not yet' });
    const endpoint = await registerEndpoint(first, { url: hook.url });
    const subUser = await createSubUser(first, { provider: 'proxyhat', name: 'wh-restart' });
    await hook.waitFor('the first attempt', () => hook.received.length === 1);
    // A second event of the same sub-user waits behind the failed one.
    await request(first.url)
      .patch(`/v1/sub-users/${subUser.id}`)
      .set(admin)
      .send({ notes: 'after' })
      .expect(200);
    await first.app.close();

    // A process that delivers nothing (WEBHOOK_CONCURRENCY=0) sees both still owed.
    const reader = await startTestGateway({
      ...WEBHOOK_ENV,
      ...RETRY_AFTER,
      DATABASE_URL: databaseUrl,
      WEBHOOK_CONCURRENCY: '0',
    });
    gateways.push(reader);
    const owed = await deliveriesOf(reader, endpoint.id);
    expect(
      owed.map((delivery) => [delivery.eventType, delivery.status, delivery.attempts, delivery.statusCode]),
    ).toEqual([
      ['sub-user.updated', 'pending', 0, null],
      ['sub-user.created', 'pending', 1, 500],
    ]);
    await reader.app.close();
    expect(hook.received).toHaveLength(1);

    const second = await startTestGateway({ ...WEBHOOK_ENV, ...RETRY_AFTER, DATABASE_URL: databaseUrl });
    gateways.push(second);
    await hook.waitFor('the retry and the next event', () => hook.received.length === 3);
    for (const entry of hook.received) verify(endpoint.secret, entry);
    expect(hook.received.map((entry) => [entry.event.type, entry.headers['webhook-id']])).toEqual([
      ['sub-user.created', owed[1].eventId],
      ['sub-user.created', owed[1].eventId],
      ['sub-user.updated', owed[0].eventId],
    ]);
    await eventually('both recorded as delivered', async () =>
      (await deliveriesOf(second, endpoint.id)).every((delivery) => delivery.status === 'succeeded'),
    );
    const delivered = await deliveriesOf(second, endpoint.id);
    expect(delivered.map((delivery) => [delivery.eventType, delivery.attempts, delivery.statusCode])).toEqual(
      [
        ['sub-user.updated', 1, 200],
        ['sub-user.created', 2, 200],
      ],
    );
  });
});
