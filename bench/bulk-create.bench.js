// Scenario — bulk create of 1,000 sub-users with the providers' real rate limits on: POST
// /v1/sub-users/bulk-create (the job keeps 16 items in flight, each paced by its account's limiter)
// over a reseller's four accounts, 400 + 400 on two Webshare accounts (240/min each) and 100 + 100 on
// two ProxyHat accounts (60/min each), every account with its own key (the sandbox counts its limit
// per key). The sandbox enforces the limits (fixed one-minute windows) and the gateway paces itself
// (UPSTREAM_RATE_LIMIT=true: a token bucket per account, 10 s of burst, then the published rate).
// Items are ordered by the earliest moment each account's limiter can take them, so the 16 slots
// are not all spent waiting on one account.
//   npm run bench:bulk-create       (BENCH_WEBSHARE_PER_ACCOUNT=400 BENCH_PROXYHAT_PER_ACCOUNT=100)
// The minimum the limits allow is simulated per account with both limits (the gateway's bucket and
// the sandbox's window); the accounts run in parallel, so the bound is the slowest account's.
// Afterwards every created sub-user's mapping, audit row and event are counted.
'use strict';

const { Client } = require('pg');
const h = require('./lib/harness');

const WEBSHARE_PER_ACCOUNT = Number(process.env.BENCH_WEBSHARE_PER_ACCOUNT ?? 400);
const PROXYHAT_PER_ACCOUNT = Number(process.env.BENCH_PROXYHAT_PER_ACCOUNT ?? 100);
const PER_MINUTE = { webshare: 240, proxyhat: 60 };
const WEBSHARE_KEYS = [h.WEBSHARE_KEY, `${h.WEBSHARE_KEY}-2`];
const PROXYHAT_KEYS = [h.PROXYHAT_KEY, `${h.PROXYHAT_KEY}-2`];

/**
 * The earliest time (s) each of `calls` calls can start on one account: the gateway's token bucket
 * (burst ceil(rate / 6), refilled at rate / 60 a second) and the provider's fixed one-minute window
 * (at most `perMinute` calls from the window's first call on) both allow it.
 */
function earliestStarts(calls, perMinute) {
  const burst = Math.ceil(perMinute / 6);
  const perSecond = perMinute / 60;
  const starts = [];
  let tokens = burst;
  let last = 0;
  let windowStart = null;
  let inWindow = 0;
  for (let i = 0; i < calls; i++) {
    let t = last;
    tokens = Math.min(burst, tokens + (t - last) * perSecond);
    if (tokens < 1) {
      t += (1 - tokens) / perSecond;
      tokens = 1;
    }
    if (windowStart !== null && t - windowStart >= 60) {
      windowStart = null;
      inWindow = 0;
    }
    if (windowStart !== null && inWindow >= perMinute) {
      const next = windowStart + 60;
      tokens = Math.min(burst, tokens + (next - t) * perSecond);
      t = next;
      windowStart = null;
      inWindow = 0;
    }
    if (windowStart === null) windowStart = t;
    inWindow += 1;
    tokens -= 1;
    starts.push(t);
    last = t;
  }
  return starts;
}

h.runScenario(
  'bulk-create',
  async () => {
    const database = await h.createDatabase('bulk_create');
    const sandbox = await h.startSandbox({
      rateLimits: false,
      latencyMs: 0,
      webshareKeys: WEBSHARE_KEYS,
      proxyhatKeys: PROXYHAT_KEYS,
    });
    const gateway = await h.startGateway({ databaseUrl: database.url, env: { UPSTREAM_RATE_LIMIT: 'true' } });
    const accounts = [];
    for (const [provider, keys, perAccount, baseUrl] of [
      ['webshare', WEBSHARE_KEYS, WEBSHARE_PER_ACCOUNT, sandbox.webshareBaseUrl],
      ['proxyhat', PROXYHAT_KEYS, PROXYHAT_PER_ACCOUNT, sandbox.proxyhatBaseUrl],
    ]) {
      for (const [index, apiKey] of keys.entries()) {
        const { body } = await h.api(gateway.url, 'POST', '/v1/provider-accounts', {
          body: { provider, name: `${provider}-bulk-${index + 1}`, apiKey, baseUrl, isDefault: index === 0 },
          expect: [201],
        });
        accounts.push({ id: body.id, provider, count: perAccount });
      }
    }
    await h.api(sandbox.url, 'PATCH', '/__sandbox/config', {
      key: null,
      body: {
        rateLimits: {
          webshare: { enabled: true, perMinute: PER_MINUTE.webshare },
          proxyhat: { enabled: true, perMinute: PER_MINUTE.proxyhat },
        },
      },
      expect: [200],
    });
    await h.api(sandbox.url, 'DELETE', '/__sandbox/calls', { key: null });

    // Items in the order their accounts' limiters can take them.
    const planned = [];
    const bounds = {};
    for (const account of accounts) {
      const starts = earliestStarts(account.count, PER_MINUTE[account.provider]);
      bounds[account.id] = { provider: account.provider, calls: account.count, seconds: starts.at(-1) ?? 0 };
      starts.forEach((at, i) => planned.push({ at, account, i }));
    }
    planned.sort((a, b) => a.at - b.at);
    const items = planned.map(({ account, i }) => ({
      providerAccountId: account.id,
      name: `bulk-${account.provider}-${account.id.slice(0, 4)}-${i}`,
      trafficLimit: '1GB',
      metadata: { bench: 'bulk-create' },
    }));
    const minimumSeconds = Math.max(...Object.values(bounds).map((bound) => bound.seconds));

    h.log(
      `bulk create of ${items.length} on ${accounts.length} accounts; minimum the limits allow ${minimumSeconds.toFixed(1)} s`,
    );
    const started = Date.now();
    const { body: accepted } = await h.api(gateway.url, 'POST', '/v1/sub-users/bulk-create', {
      body: { items },
      headers: { 'idempotency-key': `bench-bulk-create-${Date.now()}` },
      expect: [202],
    });
    let job;
    for (;;) {
      job = (await h.api(gateway.url, 'GET', `/v1/jobs/${accepted.id}`, { expect: [200] })).body;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await h.sleep(200);
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const calls = (await h.api(sandbox.url, 'GET', '/__sandbox/calls', { key: null })).body;
    const gatewayRssMiB = h.rssMiB(gateway.pid);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    const one = async (sql) => Number((await client.query(sql)).rows[0].count);
    const stored = {
      activeMappings: await one("SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'active'"),
      openIntents: await one("SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'intent'"),
      createdAudits: await one(
        "SELECT count(*) FROM audit_events WHERE action = 'sub-user.created' AND outcome = 'ok'",
      ),
      createdEvents: await one("SELECT count(*) FROM outbox_events WHERE type = 'sub-user.created'"),
    };
    await client.end();
    const created = job.counts?.created ?? 0;
    const consistent =
      job.status === 'succeeded' &&
      created === items.length &&
      stored.createdAudits === created &&
      stored.createdEvents === created &&
      stored.openIntents === 0;
    const ratio = h.round2(wallSeconds / minimumSeconds);
    h.printTable('Bulk create with the providers’ real rate limits', [
      {
        items: items.length,
        'wall s': wallSeconds.toFixed(1),
        'minimum s': minimumSeconds.toFixed(1),
        ratio,
        target: '<= 1.1',
        created,
        failed: job.counts?.failed ?? '-',
        'rows consistent': consistent,
      },
    ]);
    h.log(
      `sandbox calls ${JSON.stringify(calls)}; stored ${JSON.stringify(stored)}; gateway RSS ${gatewayRssMiB} MiB`,
    );
    if (!consistent)
      throw new Error(`bulk create incomplete: ${JSON.stringify({ counts: job.counts, stored })}`);
    h.writeResults('bulk-create', {
      scenario: 'bulk-create',
      description:
        'POST /v1/sub-users/bulk-create of 1,000 (400 + 400 Webshare on two accounts at 240/min, 100 + 100 ProxyHat on two accounts at 60/min), real rate limits on (sandbox windows, gateway pacing), 16 items in flight',
      machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
      settings: {
        webshareAccounts: 2,
        websharePerAccount: WEBSHARE_PER_ACCOUNT,
        proxyhatAccounts: 2,
        proxyhatPerAccount: PROXYHAT_PER_ACCOUNT,
        perMinute: PER_MINUTE,
        gatewayEnv: { UPSTREAM_RATE_LIMIT: 'true' },
      },
      minimum: {
        seconds: h.round2(minimumSeconds),
        perAccount: Object.values(bounds),
        note: 'per account, the earliest start of its last call under both the gateway token bucket and the sandbox window; accounts in parallel',
      },
      wallSeconds: h.round2(wallSeconds),
      ratio,
      target: '<= 1.1',
      met: ratio <= 1.1,
      job: { status: job.status, counts: job.counts, durationMs: job.durationMs },
      sandboxCalls: calls,
      stored,
      gatewayRssMiB,
    });
    await h.stopProcess(gateway);
    await database.drop();
  },
  { timeLimitMs: 290_000 },
);
