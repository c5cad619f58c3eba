import request from 'supertest';
import { Ledger } from '@app/persistence';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { accountIds, subUsersNamed, syncNow } from './sync-helpers';

const WS_KEY = 'Token ws-sandbox-key';

/** A sync or an account removal running while a create is between its steps. */
describe('creates racing a sync or an account removal', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('a sync that finds two candidates for a create still in flight leaves it to the create: 201, one sub-user each', async () => {
    const { webshare } = await accountIds(gateway.url);
    // Someone made a sub-user of the same name at the provider a moment ago.
    await request(sandboxOf(gateway).webshareBaseUrl)
      .post('/api/v2/subuser/')
      .set('Authorization', WS_KEY)
      .send({ label: 'amb-1', proxy_limit: 0, max_thread_count: 10 })
      .expect(201);
    // The sync runs after the provider created the sub-user and before its answer is recorded.
    const ledger = gateway.app.get(Ledger);
    const complete = ledger.completeIntent.bind(ledger);
    const syncs: Awaited<ReturnType<typeof syncNow>>[] = [];
    jest.spyOn(ledger, 'completeIntent').mockImplementation(async (command) => {
      if (command.via === 'create' && syncs.length === 0)
        syncs.push(await syncNow(gateway.url, { providerAccountId: webshare }));
      return complete(command);
    });
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', 'amb-key-1')
      .send({ providerAccountId: webshare, name: 'amb-1' })
      .expect(201);
    expect(syncs[0].results[0]).toMatchObject({ ambiguous: 0, adopted: 0 });
    jest.restoreAllMocks();
    // The next sync adopts the stranger; a retry of the create answers the same sub-user.
    const next = await syncNow(gateway.url, { providerAccountId: webshare });
    expect(next.results[0]).toMatchObject({ ambiguous: 0, adopted: 1 });
    const retry = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', 'amb-key-1')
      .send({ providerAccountId: webshare, name: 'amb-1' });
    expect(retry.body.id).toBe(created.body.id);
    const named = await subUsersNamed(gateway.url, 'amb-1');
    expect(named).toHaveLength(2);
    expect(
      sandboxOf(gateway)
        .control.state('webshare')
        .filter((entry) => entry.label === 'amb-1'),
    ).toHaveLength(2);
  });

  it('a create on an account removed after it was looked up answers 422, not 500', async () => {
    const created = await request(gateway.url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({
        provider: 'proxyhat',
        name: 'short-lived',
        apiKey: 'ph-sandbox-key',
        baseUrl: sandboxOf(gateway).proxyhatBaseUrl,
      })
      .expect(201);
    const ledger = gateway.app.get(Ledger);
    const open = ledger.openIntent.bind(ledger);
    let removed = false;
    jest.spyOn(ledger, 'openIntent').mockImplementation(async (command) => {
      if (!removed) {
        removed = true;
        await request(gateway.url).delete(`/v1/provider-accounts/${created.body.id}`).set(admin).expect(200);
      }
      return open(command);
    });
    const refused = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ providerAccountId: created.body.id, name: 'gone-acct', trafficLimit: '1GB' });
    expect(removed).toBe(true);
    expect({
      status: refused.status,
      code: refused.body.code,
      field: refused.body.errors?.[0]?.field,
    }).toEqual({
      status: 422,
      code: 'VALIDATION_FAILED',
      field: 'providerAccountId',
    });
  });
});
