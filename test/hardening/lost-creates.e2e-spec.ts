import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createKey, createTenant } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { accountIds, subUsersNamed, syncNow } from '../sync/sync-helpers';

const GB = 1024 ** 3;

/**
 * Creates whose answers were lost, resolved by the sync (findings 1 and 3 of the hardening
 * issue): a provider sub-user goes to an intent only when it is certainly that intent's.
 */
describe('hardening: lost creates are never swapped or doubled', () => {
  let gateway: RunningGateway;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    // A lost answer is given up on quickly; the sync's own calls are not delayed by faults.
    gateway = await startTestGateway({ ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '1500' });
    const scopes = ['sub-users:read', 'sub-users:write', 'sub-users:credentials'];
    for (const name of ['hardening-a', 'hardening-b']) {
      const tenant = await createTenant(gateway, name);
      const { key } = await createKey(gateway, { name: `${name}-key`, scopes, tenantId: tenant.id });
      if (name === 'hardening-a') tenantA = key;
      else tenantB = key;
    }
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => {
    sandboxOf(gateway).control.clearFaults();
    sandboxOf(gateway).control.configure({ latencyMs: 0, jitterMs: 0 });
  });

  it('hardening #1: two tenants’ creates of one name, both answers lost, each gets its own sub-user', async () => {
    const { control } = sandboxOf(gateway);
    const { proxyhat } = await accountIds(gateway.url);
    for (let round = 0; round < 6; round += 1) {
      const name = `shared-${round}-${randomUUID().slice(0, 6)}`;
      const passwordA = `A${'a'.repeat(19)}${round}`;
      const passwordB = `B${'b'.repeat(19)}${round}`;
      control.addFault({ provider: 'proxyhat', operation: 'create', mode: 'timeout-after', times: 2 });
      control.configure({ jitterMs: 700 });
      const [a, b] = await Promise.all([
        request(gateway.url)
          .post('/v1/sub-users')
          .set(bearer(tenantA))
          .send({ provider: 'proxyhat', name, proxyPassword: passwordA, trafficLimit: '1GB' }),
        new Promise((resolve) => setTimeout(resolve, 40)).then(() =>
          request(gateway.url)
            .post('/v1/sub-users')
            .set(bearer(tenantB))
            .send({ provider: 'proxyhat', name, proxyPassword: passwordB, trafficLimit: '2GB' }),
        ),
      ]);
      expect([a.status, b.status]).toEqual([504, 504]);
      control.clearFaults();
      control.configure({ jitterMs: 0 });
      const job = await syncNow(gateway.url, { providerAccountId: proxyhat });
      expect(job.status).toBe('succeeded');

      for (const [key, password, limit] of [
        [tenantA, passwordA, GB],
        [tenantB, passwordB, 2 * GB],
      ] as const) {
        const [own] = (
          await request(gateway.url).get('/v1/sub-users').query({ q: name }).set(bearer(key)).expect(200)
        ).body.items;
        expect({ round, status: own.status, limit: own.traffic.limitBytes }).toEqual({
          round,
          status: 'active',
          limit,
        });
        const credentials = await request(gateway.url)
          .get(`/v1/sub-users/${own.id}/credentials`)
          .set(bearer(key))
          .expect(200);
        expect({ round, password: credentials.body.password }).toEqual({ round, password });
      }
      // Nothing was adopted into the default tenant: both creates found their own.
      const rows = await subUsersNamed(gateway.url, name);
      expect({ round, tenants: rows.map((row) => row.tenantId === 'default') }).toEqual({
        round,
        tenants: [false, false],
      });
    }
  });

  it('hardening #1: a second create nobody could tell apart from an open one is refused (409), not guessed at later', async () => {
    const { control } = sandboxOf(gateway);
    const name = `indistinct-${randomUUID().slice(0, 6)}`;
    control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
    await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(tenantA))
      .send({ provider: 'webshare', name, maxConcurrency: 5 })
      .expect(504);
    control.clearFaults();
    // Webshare reveals no password: a second create of the same fields could not be told apart.
    const second = await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(tenantB))
      .send({ provider: 'webshare', name, maxConcurrency: 5 });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'CONFLICT' });
    expect(second.body.detail).toMatch(/could not be told apart/);
    // Told apart by a field both set: allowed.
    await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(tenantB))
      .send({ provider: 'webshare', name, maxConcurrency: 7 })
      .expect(201);
  });

  it.each([
    ['x ', 'trailing space'],
    [' x', 'leading space'],
    ['x\t', 'trailing tab'],
  ])(
    'hardening #3: Webshare trims %j (%s): a retry after a lost answer finds the sub-user, never a second one',
    async (suffix) => {
      const { control } = sandboxOf(gateway);
      const { webshare } = await accountIds(gateway.url);
      const name = suffix.replace('x', `trim-${randomUUID().slice(0, 6)}`);
      const key = `trim-${randomUUID()}`;
      control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
      await request(gateway.url)
        .post('/v1/sub-users')
        .set(bearer(tenantA))
        .set('Idempotency-Key', key)
        .send({ provider: 'webshare', name })
        .expect(504);
      control.clearFaults();
      const retry = await request(gateway.url)
        .post('/v1/sub-users')
        .set(bearer(tenantA))
        .set('Idempotency-Key', key)
        .send({ provider: 'webshare', name })
        .expect(201);
      const atProvider = control.state('webshare').filter((entry) => entry.label === name.trim());
      expect(atProvider).toHaveLength(1);
      expect(retry.body.providerSubUserId).toBe(String(atProvider[0].id));
      // And the sync finds nothing to adopt: the sub-user is the tenant's.
      const job = await syncNow(gateway.url, { providerAccountId: webshare });
      expect(job.counts).toMatchObject({ adopted: 0 });
      expect((await subUsersNamed(gateway.url, name.trim())).map((row) => row.tenantId)).toEqual([
        retry.body.tenantId,
      ]);
    },
  );

  it('hardening #3: without a retry the sync completes the tenant’s intent, nothing lives on in default', async () => {
    const { control } = sandboxOf(gateway);
    const { webshare } = await accountIds(gateway.url);
    const name = ` spaced-${randomUUID().slice(0, 6)} `;
    control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
    await request(gateway.url)
      .post('/v1/sub-users')
      .set(bearer(tenantA))
      .send({ provider: 'webshare', name })
      .expect(504);
    control.clearFaults();
    const job = await syncNow(gateway.url, { providerAccountId: webshare });
    expect(job.counts).toMatchObject({ matchedIntents: 1, adopted: 0 });
    const rows = await subUsersNamed(gateway.url, name.trim());
    expect(rows.map((row) => [row.status, row.tenantId === 'default'])).toEqual([['active', false]]);
  });
});
