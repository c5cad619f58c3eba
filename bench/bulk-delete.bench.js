// Scenario 5 — bulk delete of 1,000 sub-users across both providers (500 Webshare + 500 ProxyHat)
// with the providers' real rate limits on: the sandbox enforces Webshare 240/min and ProxyHat
// 60/min per account, and the gateway paces itself (UPSTREAM_RATE_LIMIT=true).
// Setup (not measured): the sub-users are created through the gateway with every limit off; then
// the gateway is restarted with its pacing on, the sandbox's limits are switched on (PATCH
// /__sandbox/config), and POST /v1/sub-users/bulk-delete is timed until its job finishes.
//   npm run bench:bulk-delete   (BENCH_WEBSHARE=500 BENCH_PROXYHAT=500)
// The minimum the limits allow: Webshare has no bulk delete, so the gateway fans out one DELETE per
// sub-user: N at 240/min = (N - 1) / 4 s evenly paced (a fixed one-minute window allows 240 at once,
// so at best ceil(N / 240) - 1 minutes). ProxyHat's native bulk delete takes 3 calls (list, bulk,
// list) at 60/min = 2 s. The two accounts run in parallel, so the bound is the larger of the two.
'use strict';

const h = require('./lib/harness');

const WEBSHARE = Number(process.env.BENCH_WEBSHARE ?? 500);
const PROXYHAT = Number(process.env.BENCH_PROXYHAT ?? 500);
const PER_MINUTE = { webshare: 240, proxyhat: 60 };

async function createMany(gatewayUrl, provider, count, concurrency = 16) {
  const ids = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { body } = await h.api(gatewayUrl, 'POST', '/v1/sub-users', {
        body: { provider, name: `bulk-${provider}-${i}`, metadata: { bench: 'bulk-delete' } },
        headers: { 'idempotency-key': `bulk-${provider}-${i}` },
        expect: [201],
      });
      ids.push(body.id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

function lowerBounds() {
  const webshareEven = Math.max(0, WEBSHARE - 1) / (PER_MINUTE.webshare / 60);
  const webshareWindow = WEBSHARE > 0 ? (Math.ceil(WEBSHARE / PER_MINUTE.webshare) - 1) * 60 : 0;
  const proxyhatCalls = PROXYHAT > 0 ? 3 : 0;
  const proxyhatEven = Math.max(0, proxyhatCalls - 1) / (PER_MINUTE.proxyhat / 60);
  return {
    webshareCalls: WEBSHARE,
    proxyhatCalls,
    webshareEvenSeconds: webshareEven,
    webshareFixedWindowSeconds: webshareWindow,
    proxyhatEvenSeconds: proxyhatEven,
    evenlyPacedSeconds: Math.max(webshareEven, proxyhatEven),
    fixedWindowBurstSeconds: webshareWindow,
  };
}

h.runScenario('bulk-delete', async () => {
  const database = await h.createDatabase('bulk_delete');
  const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
  let gateway = await h.startGateway({ databaseUrl: database.url, env: { UPSTREAM_RATE_LIMIT: 'false' } });
  await h.registerAccounts(gateway.url, sandbox, { webshare: 1, proxyhat: 1 });

  const setupStarted = Date.now();
  const ids = [
    ...(await createMany(gateway.url, 'webshare', WEBSHARE)),
    ...(await createMany(gateway.url, 'proxyhat', PROXYHAT)),
  ];
  h.log(
    `created ${ids.length} sub-users through the gateway in ${Date.now() - setupStarted} ms (limits off)`,
  );

  // Measured part: real limits on both sides.
  await h.stopProcess(gateway);
  gateway = await h.startGateway({ databaseUrl: database.url, env: { UPSTREAM_RATE_LIMIT: 'true' } });
  await h.api(sandbox.url, 'PATCH', '/__sandbox/config', {
    body: {
      rateLimits: { webshare: { enabled: true, perMinute: 240 }, proxyhat: { enabled: true, perMinute: 60 } },
    },
    expect: [200],
  });
  await h.api(sandbox.url, 'DELETE', '/__sandbox/calls');

  const started = Date.now();
  const { body: accepted } = await h.api(gateway.url, 'POST', '/v1/sub-users/bulk-delete', {
    body: { ids },
    headers: { 'idempotency-key': 'bench-bulk-delete' },
    expect: [202],
  });
  let job;
  let lastLog = 0;
  for (;;) {
    job = (await h.api(gateway.url, 'GET', `/v1/jobs/${accepted.id}`, { expect: [200] })).body;
    if (job.status === 'succeeded' || job.status === 'failed') break;
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      h.log(
        `job ${job.status} after ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(job.counts)}`,
      );
    }
    await h.sleep(250);
  }
  const wallSeconds = (Date.now() - started) / 1000;
  const calls = (await h.api(sandbox.url, 'GET', '/__sandbox/calls')).body;
  const gatewayRssMiB = h.rssMiB(gateway.pid);
  const bounds = lowerBounds();
  const outcomes = {};
  for (const item of job.results ?? []) outcomes[item.outcome] = (outcomes[item.outcome] ?? 0) + 1;

  h.printTable(
    `Bulk delete of ${ids.length} sub-users (${WEBSHARE} Webshare + ${PROXYHAT} ProxyHat), rate limits on`,
    [
      {
        'wall s': wallSeconds.toFixed(1),
        'min s (even pacing)': bounds.evenlyPacedSeconds.toFixed(1),
        'wall/min': h.ratio(wallSeconds, bounds.evenlyPacedSeconds),
        'min s (fixed window)': bounds.fixedWindowBurstSeconds.toFixed(1),
        'wall/min(window)': h.ratio(wallSeconds, bounds.fixedWindowBurstSeconds),
        status: job.status,
        counts: JSON.stringify(job.counts),
      },
    ],
  );
  h.log(`sandbox calls: ${JSON.stringify(calls)}; gateway RSS ${gatewayRssMiB} MiB`);
  if (job.status !== 'succeeded') throw new Error(`bulk delete job ${job.status}: ${job.error}`);

  h.writeResults('bulk-delete', {
    scenario: 'bulk-delete',
    description:
      'POST /v1/sub-users/bulk-delete of Webshare (emulated fan-out) + ProxyHat (native bulk) sub-users with the sandbox enforcing the published limits and the gateway pacing itself',
    machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
    settings: {
      webshare: WEBSHARE,
      proxyhat: PROXYHAT,
      sandboxRateLimitsPerMinute: PER_MINUTE,
      sandboxLatencyMs: 0,
      gatewayEnv: { UPSTREAM_RATE_LIMIT: 'true', LOG_LEVEL: 'warn' },
    },
    wallSeconds,
    lowerBound: bounds,
    wallOverEvenlyPacedBound: h.ratio(wallSeconds, bounds.evenlyPacedSeconds),
    job: { id: job.id, status: job.status, counts: job.counts, outcomes },
    sandboxCalls: calls,
    gatewayRssMiB,
  });
  await h.stopProcess(gateway);
  await database.drop();
});
