import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunningSandbox } from '@app/sandbox';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { SyncScheduler } from '../../apps/gateway/src/sync/sync-scheduler';
import { accountIds, auditOf, subUsersNamed, subUsersWithPrefix, syncNow } from './sync-helpers';

const WS_KEY = 'Token ws-sandbox-key';
const PH_KEY = 'Bearer ph-sandbox-key';
const IPR_KEY = 'Bearer iproyal-sandbox-key';
const GB = 1024 ** 3;

/** Sync against the sandbox: adoption, vanishing, drift, failed listings, lost create answers (async deletes: sync-follow-up). */
describe('sync and reconciliation', () => {
  let gateway: RunningGateway;
  let sandbox: RunningSandbox;
  let accounts: { webshare: string; proxyhat: string; iproyal: string };

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '1500' },
      {
        registry: {
          driverOptions: {
            // Fail fast in fault tests; a high threshold keeps the circuit closed between tests.
            retry: {
              maxAttempts: 2,
              baseDelayMs: 10,
              maxDelayMs: 50,
              retryAfterCapMs: 50,
              maxTotalWaitMs: 200,
            },
            circuit: { threshold: 1000 },
          },
        },
      },
    );
    sandbox = sandboxOf(gateway);
    sandbox.control.configure({ asyncDeleteMs: 200 });
    gateway.app.get(SyncScheduler).configure({ followUpMs: 200 });
    accounts = await accountIds(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => {
    sandbox.control.clearFaults();
    sandbox.control.configure({ rateLimits: false, latencyMs: 0 });
  });

  const webshareIdOf = (label: string) =>
    sandbox.control.state('webshare').find((entry) => entry.label === label)!.id;
  const proxyhatIdOf = (name: string) =>
    sandbox.control.state('proxyhat').find((entry) => entry.name === name)!.uuid;
  /** Seeded names are numbered per account (`<prefix><n>`): read them back from the sandbox. */
  const seededNames = (provider: 'webshare' | 'proxyhat', prefix: string): string[] =>
    (provider === 'webshare'
      ? sandbox.control.state('webshare').map((entry) => entry.label)
      : sandbox.control.state('proxyhat').map((entry) => entry.name ?? '')
    )
      .filter((name) => name.startsWith(prefix))
      .sort();

  it('adopts sub-users created at the provider into the default tenant, the ProxyHat default one too', async () => {
    sandbox.control.seed({ provider: 'webshare', count: 3, labelPrefix: 'adopt-ws-' });
    sandbox.control.seed({ provider: 'proxyhat', count: 2, labelPrefix: 'adopt-ph-' });

    const job = await syncNow(gateway.url);
    expect(job).toMatchObject({ type: 'sync', status: 'succeeded', error: null, attempts: 1 });
    expect(job.durationMs).toEqual(expect.any(Number));
    expect(job.results.map((result) => [result.name, result.ok])).toEqual(
      expect.arrayContaining([
        ['webshare-sandbox', true],
        ['proxyhat-sandbox', true],
      ]),
    );
    // Three sandbox accounts (Webshare, ProxyHat, IPRoyal); IPRoyal holds none of these.
    expect(job.counts).toMatchObject({ accounts: 3, accountsFailed: 0, adopted: 3 + 2 + 1, vanished: 0 });

    const ws = await subUsersWithPrefix(gateway.url, 'adopt-ws-');
    expect(ws).toHaveLength(3);
    expect(ws.every((item) => item.tenantId === 'default' && item.provider === 'webshare')).toBe(true);
    expect(await subUsersWithPrefix(gateway.url, 'adopt-ph-')).toHaveLength(2);
    const adopted = await auditOf(gateway.url, { targetId: ws[0].id });
    expect(adopted).toEqual([expect.objectContaining({ action: 'sub-user.adopted', tenantId: 'default' })]);

    // The provider account's default sub-user is adopted, and the gateway refuses to delete it.
    const all = (
      await request(gateway.url)
        .get('/v1/sub-users')
        .query({ provider: 'proxyhat', limit: 500 })
        .set(admin)
        .expect(200)
    ).body.items as { id: string; isDefault: boolean }[];
    const defaults = all.filter((item) => item.isDefault);
    expect(defaults).toHaveLength(1);
    await request(gateway.url).delete(`/v1/sub-users/${defaults[0].id}`).set(admin).expect(409);

    // A second sync finds nothing new and writes no audit rows.
    const again = await syncNow(gateway.url);
    expect(again.counts).toMatchObject({ adopted: 0, updated: 0, drift: 0, vanished: 0 });
  });

  it('marks sub-users deleted at the provider as deleted', async () => {
    sandbox.control.seed({ provider: 'webshare', count: 2, labelPrefix: 'vanish-ws-' });
    sandbox.control.seed({ provider: 'proxyhat', count: 2, labelPrefix: 'vanish-ph-' });
    await syncNow(gateway.url);
    const wsName = seededNames('webshare', 'vanish-ws-')[0];
    const phName = seededNames('proxyhat', 'vanish-ph-')[0];
    const [wsGone] = await subUsersNamed(gateway.url, wsName);
    const [phGone] = await subUsersNamed(gateway.url, phName);

    await request(sandbox.webshareBaseUrl)
      .delete(`/api/v2/subuser/${webshareIdOf(wsName)}/`)
      .set('Authorization', WS_KEY)
      .expect(204);
    sandbox.control.configure({ asyncDeleteMs: 0 });
    await request(sandbox.proxyhatBaseUrl)
      .delete(`/sub-users/${proxyhatIdOf(phName)}`)
      .set('Authorization', PH_KEY)
      .expect(200);
    sandbox.control.configure({ asyncDeleteMs: 200 });

    const job = await syncNow(gateway.url);
    expect(job.counts).toMatchObject({ vanished: 2, adopted: 0 });
    expect(await subUsersWithPrefix(gateway.url, 'vanish-ws-')).toHaveLength(1);
    expect(await subUsersWithPrefix(gateway.url, 'vanish-ph-')).toHaveLength(1);
    const deleted = await subUsersWithPrefix(gateway.url, 'vanish-', { status: 'deleted' });
    expect(deleted.map((item) => item.id).sort()).toEqual([wsGone.id, phGone.id].sort());
    for (const item of [wsGone, phGone]) {
      const events = await auditOf(gateway.url, { targetId: item.id, action: 'sub-user.vanished' });
      expect(events).toEqual([
        expect.objectContaining({
          changes: expect.objectContaining({ before: { status: 'active' } }),
        }),
      ]);
    }
  });

  it('records fields changed at the provider as drift, and usage changes silently', async () => {
    sandbox.control.seed({ provider: 'webshare', count: 1, labelPrefix: 'drift-ws-' });
    sandbox.control.seed({ provider: 'proxyhat', count: 3, labelPrefix: 'drift-ph-' });
    await syncNow(gateway.url);
    const wsName = seededNames('webshare', 'drift-ws-')[0];
    const phName = seededNames('proxyhat', 'drift-ph-')[0];
    const usageName = sandbox.control
      .state('proxyhat')
      .find(
        (entry) => entry.name?.startsWith('drift-ph-') && entry.name !== phName && entry.used_traffic > 0,
      )!.name!;
    const [ws] = await subUsersNamed(gateway.url, wsName);
    const [ph] = await subUsersNamed(gateway.url, phName);
    const [usage] = await subUsersNamed(gateway.url, usageName);
    expect(usage.traffic.usedBytes).toBeGreaterThan(0);

    await request(sandbox.webshareBaseUrl)
      .patch(`/api/v2/subuser/${webshareIdOf(wsName)}/`)
      .set('Authorization', WS_KEY)
      .send({ label: 'drift-ws-renamed', proxy_limit: 7 })
      .expect(200);
    await request(sandbox.proxyhatBaseUrl)
      .put(`/sub-users/${proxyhatIdOf(phName)}`)
      .set('Authorization', PH_KEY)
      .send({ name: 'drift-ph-renamed' })
      .expect(200);
    await request(sandbox.proxyhatBaseUrl)
      .post('/sub-users/reset/usage')
      .set('Authorization', PH_KEY)
      .send({ ids: [proxyhatIdOf(usageName)] })
      .expect(200);

    const job = await syncNow(gateway.url);
    expect(job.counts).toMatchObject({ updated: 3, drift: 2 });

    const wsDrift = await auditOf(gateway.url, { targetId: ws.id, action: 'sub-user.drift' });
    expect(wsDrift).toHaveLength(1);
    expect(wsDrift[0].changes).toEqual({
      before: { name: wsName, trafficLimitBytes: ws.traffic.limitBytes },
      after: { name: 'drift-ws-renamed', trafficLimitBytes: 7 * 1024 ** 3 },
    });
    const phDrift = await auditOf(gateway.url, { targetId: ph.id, action: 'sub-user.drift' });
    expect(phDrift.map((event) => event.changes)).toEqual([
      { before: { name: phName }, after: { name: 'drift-ph-renamed' } },
    ]);
    const renamed = (await request(gateway.url).get(`/v1/sub-users/${ws.id}`).set(admin).expect(200)).body;
    expect(renamed).toMatchObject({ name: 'drift-ws-renamed', traffic: { limitBytes: 7 * 1024 ** 3 } });

    // Usage only: the snapshot follows, the audit log stays quiet.
    expect(await auditOf(gateway.url, { targetId: usage.id, action: 'sub-user.drift' })).toEqual([]);
    const reset = (await request(gateway.url).get(`/v1/sub-users/${usage.id}`).set(admin).expect(200)).body;
    expect(reset.traffic.usedBytes).toBe(0);
  });

  it('a listing that fails halfway marks nothing vanished and reports the account’s error', async () => {
    sandbox.control.seed({ provider: 'webshare', count: 150, labelPrefix: 'page-ws-' });
    await syncNow(gateway.url);
    const before = (await subUsersWithPrefix(gateway.url, 'page-ws-')).length;
    expect(before).toBe(150);

    // One request a minute: page 1 is answered, the later pages are refused (429).
    sandbox.control.configure({ rateLimits: { webshare: { enabled: true, perMinute: 1 } } });
    sandbox.control.addFault({ provider: 'proxyhat', operation: 'list', mode: 'error', status: 503 });
    sandbox.control.resetCalls();
    const job = await syncNow(gateway.url);
    expect(sandbox.control.calls()['webshare.list']).toBeGreaterThan(1);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/not synced/);
    const ws = job.results.find((result) => result.accountId === accounts.webshare)!;
    const ph = job.results.find((result) => result.accountId === accounts.proxyhat)!;
    expect(ws).toMatchObject({ ok: false, vanished: 0, error: { code: 'PROVIDER_RATE_LIMITED' } });
    expect(ph).toMatchObject({ ok: false, vanished: 0, error: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(job.counts).toMatchObject({ accountsFailed: 2, vanished: 0 });
    expect(await subUsersWithPrefix(gateway.url, 'page-ws-')).toHaveLength(before);
  });

  it('IPRoyal: adopts what the account holds, follows an allocation changed there, marks a deleted one', async () => {
    sandbox.control.seed({ provider: 'iproyal', count: 2, labelPrefix: 'iprsync' });
    const seeded = sandbox.control.state('iproyal').filter((entry) => entry.username.startsWith('iprsync'));
    expect(seeded).toHaveLength(2);
    const job = await syncNow(gateway.url, { providerAccountId: accounts.iproyal });
    expect(job.counts).toMatchObject({ adopted: 2, vanished: 0 });
    const page = (status?: string) =>
      request(gateway.url)
        .get('/v1/sub-users')
        .query({ providerAccountId: accounts.iproyal, limit: 500, ...(status ? { status } : {}) })
        .set(admin)
        .expect(200);
    const listed = async () =>
      (
        [...(await page()).body.items, ...(await page('deleted')).body.items] as {
          id: string;
          providerSubUserId: string;
          status: string;
          traffic: { limitBytes: number };
        }[]
      ).filter((item) => seeded.some((entry) => entry.hash === item.providerSubUserId));
    const [kept, gone] = seeded.map((entry) => entry.hash);
    expect((await listed()).map((item) => item.status)).toEqual(['active', 'active']);

    // At the provider: one allocation raised by 1 GB, the other sub-user deleted.
    await request(sandbox.iproyalBaseUrl)
      .post(`/residential-subusers/${kept}/give-traffic`)
      .set('Authorization', IPR_KEY)
      .send({ amount: 1 })
      .expect(200);
    await request(sandbox.iproyalBaseUrl)
      .delete(`/residential-subusers/${gone}`)
      .set('Authorization', IPR_KEY)
      .expect(204);
    const before = (await listed()).find((item) => item.providerSubUserId === kept)!;

    const second = await syncNow(gateway.url, { providerAccountId: accounts.iproyal });
    expect(second.counts).toMatchObject({ adopted: 0, vanished: 1, drift: 1 });
    const after = await listed();
    expect(after.find((item) => item.providerSubUserId === gone)!.status).toBe('deleted');
    const raised = after.find((item) => item.providerSubUserId === kept)!;
    expect(raised.traffic.limitBytes).toBe(before.traffic.limitBytes + GB);
    const drift = await auditOf(gateway.url, { targetId: raised.id, action: 'sub-user.drift' });
    expect(drift.map((event) => event.changes)).toEqual([
      {
        before: { trafficLimitBytes: before.traffic.limitBytes },
        after: { trafficLimitBytes: before.traffic.limitBytes + GB },
      },
    ]);
  });

  it.each(['webshare', 'proxyhat', 'iproyal'] as const)(
    'completes a %s create whose answer was lost, without a duplicate',
    async (provider) => {
      const name = `lost-${provider}-${randomUUID().slice(0, 6)}`;
      const iproyalBefore = new Set(sandbox.control.state('iproyal').map((entry) => entry.hash));
      sandbox.control.addFault({ provider, operation: 'create', mode: 'timeout-after', times: 1 });
      const failed = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ provider, name })
        .expect(504);
      expect(failed.body.code).toBe('PROVIDER_TIMEOUT');
      const [intent] = await subUsersNamed(gateway.url, name);
      expect(intent).toMatchObject({ status: 'provisioning', providerSubUserId: null });

      const job = await syncNow(gateway.url, { providerAccountId: accounts[provider] });
      expect(job.status).toBe('succeeded');
      expect(job.counts).toMatchObject({ matchedIntents: 1, adopted: 0 });

      const mappings = await subUsersNamed(gateway.url, name);
      expect(mappings).toHaveLength(1);
      expect(mappings[0]).toMatchObject({ id: intent.id, status: 'active', tenantId: 'default' });
      // IPRoyal keeps no name (the gateway does): what it holds is told by the new hashes.
      const atProvider =
        provider === 'webshare'
          ? sandbox.control
              .state('webshare')
              .filter((entry) => entry.label === name)
              .map((entry) => String(entry.id))
          : provider === 'proxyhat'
            ? sandbox.control
                .state('proxyhat')
                .filter((entry) => entry.name === name)
                .map((entry) => entry.uuid)
            : sandbox.control
                .state('iproyal')
                .filter((entry) => !iproyalBefore.has(entry.hash))
                .map((entry) => entry.hash);
      expect(atProvider).toEqual([mappings[0].providerSubUserId]);
      const events = await auditOf(gateway.url, { targetId: intent.id });
      expect(events.map((event) => [event.action, event.outcome])).toEqual([
        ['sub-user.created', 'ok'],
        ['sub-user.created', 'error'],
      ]);
      expect(events[0].changes).toMatchObject({ after: { completedBy: 'sync', id: intent.id } });
    },
  );

  it('expires an intent whose window passed with no match, and never guesses between twins', async () => {
    const prisma = prismaOf(gateway);
    const now = Date.now();
    // An intent whose window closed 5 minutes ago (staged: no request can be that old).
    const expiredId = randomUUID();
    await prisma.subUserMapping.create({
      data: {
        id: expiredId,
        tenantId: 'default',
        providerAccountId: accounts.webshare,
        provider: 'webshare',
        lifecycle: 'intent',
        status: 'provisioning',
        name: 'expired-intent',
        intent: { requested: { name: 'expired-intent' }, echo: { name: 'expired-intent' } },
        intentExpiresAt: new Date(now - 5 * 60_000),
      },
    });
    // A create whose answer is lost, and a twin made at the provider a moment later with every
    // field the create sent: either could be the create's, so neither is assigned by a guess.
    sandbox.control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
    const lost = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'webshare', name: 'twin' })
      .expect(504);
    expect(lost.body.code).toBe('PROVIDER_TIMEOUT');
    const [intent] = await subUsersNamed(gateway.url, 'twin');
    await request(sandbox.webshareBaseUrl)
      .post('/api/v2/subuser/')
      .set('Authorization', WS_KEY)
      .send({ label: 'twin', proxy_limit: 0, max_thread_count: 10 })
      .expect(201);

    const job = await syncNow(gateway.url, { providerAccountId: accounts.webshare });
    expect(job.counts).toMatchObject({ expiredIntents: 1, matchedIntents: 0, adopted: 2, ambiguous: 1 });
    expect(await prisma.subUserMapping.findUnique({ where: { id: expiredId } })).toBeNull();
    expect(await auditOf(gateway.url, { targetId: expiredId })).toEqual([
      expect.objectContaining({ action: 'sub-user.intent-expired', tenantId: 'default' }),
    ]);
    const twins = await subUsersNamed(gateway.url, 'twin');
    expect(twins).toHaveLength(2);
    expect(twins.every((twin) => twin.tenantId === 'default' && twin.status === 'active')).toBe(true);
    expect(twins.map((twin) => twin.id)).not.toContain(intent.id);
    const [ambiguous] = await auditOf(gateway.url, { action: 'sub-user.intent-ambiguous' });
    expect(ambiguous.targetId).toBe(intent.id);
    expect(ambiguous.changes).toMatchObject({
      after: {
        intentIds: [intent.id],
        candidates: expect.arrayContaining(
          twins.map((twin) => ({ providerSubUserId: twin.providerSubUserId, gatewayId: twin.id })),
        ),
      },
    });
  });
});
