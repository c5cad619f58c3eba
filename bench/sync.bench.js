// Scenario — sync: POST /v1/sync of every account until its job finishes, on PostgreSQL and on the
// embedded database, each with a fresh database and gateway (pinned like every scenario; the
// sandbox on the load core answers every provider call after BENCH_PROVIDER_LATENCY_MS, 50 ms).
//   npm run bench:sync        10,000 Webshare (pages of 100, 4 at a time) + 10,000 ProxyHat (one
//                             call) sub-users, all adopted; then an unchanged re-sync; then the same
//                             first sync with the providers' real rate limits on (sandbox 240/min and
//                             60/min, gateway UPSTREAM_RATE_LIMIT=true).
//   npm run bench:sync-100k   100,000 Webshare sub-users on one account (BENCH_SYNC_MODE=100k), with
//                             the gateway's memory sampled during the sync (a sync works a page at a
//                             time: it must not hold the whole listing, let alone twice).
// Lower bound without rate limits: accounts are synced at once, so the longest account's sequential
// round trips: Webshare's page 1, then the other pages 4 at a time (1 + ceil((pages - 1) / 4)), x the
// latency. With rate limits: the gateway's limiter (the published 240/min as a token bucket with a
// 10-second burst: 40 calls at once, then 4 a second) allows the 100 Webshare list calls in
// (100 - 40) / 4 = 15 s at best (evenly paced, (100 - 1) / 4 = 24.75 s, is reported too).
// Env: BENCH_WEBSHARE, BENCH_PROXYHAT, BENCH_PROVIDER_LATENCY_MS, BENCH_SYNC_DATABASES=postgres,embedded.
'use strict';

const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const h = require('./lib/harness');

const MODE = process.env.BENCH_SYNC_MODE === '100k' ? '100k' : 'default';
const SCENARIO = MODE === '100k' ? 'sync-100k' : 'sync';
const WEBSHARE = Number(process.env.BENCH_WEBSHARE ?? (MODE === '100k' ? 100_000 : 10_000));
const PROXYHAT = Number(process.env.BENCH_PROXYHAT ?? (MODE === '100k' ? 0 : 10_000));
const LATENCY_MS = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 50);
const DATABASES = (process.env.BENCH_SYNC_DATABASES ?? 'postgres,embedded').split(',');
// BENCH_SYNC_LIMITS=off skips the rate-limited runs (e.g. while profiling).
const WITH_LIMITS = process.env.BENCH_SYNC_LIMITS !== 'off';
const PAGE_SIZE = 100;
const PAGE_CONCURRENCY = 4;
const PER_MINUTE = { webshare: 240, proxyhat: 60 };

function lowerBounds() {
  const pages = Math.ceil(WEBSHARE / PAGE_SIZE);
  const websharePaced = pages > 0 ? 1 + Math.ceil((pages - 1) / PAGE_CONCURRENCY) : 0;
  const proxyhatTrips = PROXYHAT > 0 ? 1 : 0;
  const roundTrips = Math.max(websharePaced, proxyhatTrips);
  const burst = Math.ceil(PER_MINUTE.webshare / 6);
  const perSecond = PER_MINUTE.webshare / 60;
  return {
    websharePages: pages,
    sequentialRoundTrips: roundTrips,
    ms: roundTrips * LATENCY_MS,
    note: 'accounts at once: the longest account, Webshare page 1 then the other pages 4 at a time',
    previousDefinitionMs: (websharePaced + proxyhatTrips) * LATENCY_MS,
    rateLimited: {
      webshareListCalls: pages,
      limiterBurst: burst,
      ms: Math.round((Math.max(0, pages - burst) / perSecond) * 1000 + LATENCY_MS),
      evenlyPacedMs: Math.round((Math.max(0, pages - 1) / perSecond) * 1000 + LATENCY_MS),
      note: `the gateway's token bucket for 240/min: ${burst} calls at once, then ${perSecond} a second (sandbox: ${PER_MINUTE.webshare}/min and ${PER_MINUTE.proxyhat}/min fixed windows)`,
    },
  };
}

/** VmRSS and VmHWM (peak) of a process, MiB. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
}

/** POST /v1/sync and poll the job; samples the gateway's memory and CPU meanwhile. */
async function runSync(gateway, sandbox, kind) {
  const before = memory(gateway.pid);
  const cpuBefore = h.cpuMs(gateway.pid);
  const sandboxCpuBefore = h.cpuMs(sandbox.pid);
  const postgresBefore = kind === 'postgres' ? h.postgresCpu() : null;
  let peakRss = before.rssMiB;
  const started = Date.now();
  const { status, body } = await h.api(gateway.url, 'POST', '/v1/sync', { body: {} });
  if (status !== 202) throw new Error(`POST /v1/sync answered ${status}: ${JSON.stringify(body)}`);
  // How long the API takes to answer while the sync runs (the job's own status read every 50 ms).
  const pollMs = [];
  for (;;) {
    const asked = performance.now();
    const { body: job } = await h.api(gateway.url, 'GET', `/v1/jobs/${body.id}`, { expect: [200] });
    pollMs.push(performance.now() - asked);
    peakRss = Math.max(peakRss, memory(gateway.pid).rssMiB);
    if (job.status === 'succeeded' || job.status === 'failed') {
      const wallMs = Date.now() - started;
      if (job.status !== 'succeeded') throw new Error(`sync ${job.id} ${job.status}: ${job.error}`);
      return {
        wallMs,
        jobDurationMs: job.durationMs,
        gatewayCpuMs: Math.round(h.cpuMs(gateway.pid) - cpuBefore),
        apiDuringSyncMs: h.summarize(pollMs),
        // On the other core: the provider's side, and PostgreSQL (the embedded database's work is
        // in the gateway's own figure).
        sandboxCpuMs: Math.round(h.cpuMs(sandbox.pid) - sandboxCpuBefore),
        postgresCpuMs: postgresBefore ? h.postgresCpuSince(postgresBefore) : null,
        memory: { beforeMiB: before.rssMiB, peakDuringMiB: peakRss, afterMiB: memory(gateway.pid).rssMiB },
        counts: job.counts,
        perAccount: job.results.map((result) => ({
          name: result.name,
          listed: result.listed,
          adopted: result.adopted,
          durationMs: result.durationMs,
          phasesMs: result.phasesMs,
        })),
      };
    }
    await h.sleep(50);
  }
}

async function runOn(kind, sandbox, { rateLimited, resync }) {
  const database =
    kind === 'embedded' ? h.createEmbeddedDatabase(SCENARIO) : await h.createDatabase(SCENARIO);
  const gateway = await h.startGateway({
    databaseUrl: database.url,
    env: { UPSTREAM_RATE_LIMIT: rateLimited ? 'true' : 'false' },
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  });
  try {
    await h.api(sandbox.url, 'POST', '/__sandbox/reset', { key: null, body: {}, expect: [200, 204] });
    await h.api(sandbox.url, 'PATCH', '/__sandbox/config', {
      key: null,
      body: { latencyMs: 0, rateLimits: false },
      expect: [200],
    });
    await h.registerAccounts(gateway.url, sandbox, { webshare: 1, proxyhat: PROXYHAT > 0 ? 1 : 0 });
    for (const [provider, count] of [
      ['webshare', WEBSHARE],
      ['proxyhat', PROXYHAT],
    ]) {
      if (count > 0) {
        await h.api(sandbox.url, 'POST', '/__sandbox/seed', {
          key: null,
          body: { provider, count, labelPrefix: `bench-${provider}-` },
          expect: [200, 201],
        });
      }
    }
    await h.api(sandbox.url, 'PATCH', '/__sandbox/config', {
      key: null,
      body: {
        latencyMs: LATENCY_MS,
        rateLimits: rateLimited
          ? {
              webshare: { enabled: true, perMinute: PER_MINUTE.webshare },
              proxyhat: { enabled: true, perMinute: PER_MINUTE.proxyhat },
            }
          : false,
      },
      expect: [200],
    });
    await h.api(sandbox.url, 'DELETE', '/__sandbox/calls', { key: null });
    h.log(`${kind}${rateLimited ? ', rate limits on' : ''}: first sync of ${WEBSHARE} + ${PROXYHAT}`);
    const first = await runSync(gateway, sandbox, kind);
    const calls = (await h.api(sandbox.url, 'GET', '/__sandbox/calls', { key: null })).body;
    const second = resync ? await runSync(gateway, sandbox, kind) : null;
    return { database: kind, rateLimited, first, unchangedResync: second, sandboxCalls: calls };
  } finally {
    await h.stopProcess(gateway);
    await database.drop();
  }
}

h.runScenario(
  SCENARIO,
  async () => {
    const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
    const bounds = lowerBounds();
    const runs = [];
    for (const kind of DATABASES) {
      runs.push(await runOn(kind, sandbox, { rateLimited: false, resync: true }));
      if (MODE === 'default' && WITH_LIMITS)
        runs.push(await runOn(kind, sandbox, { rateLimited: true, resync: false }));
    }
    const rows = runs.map((run) => {
      const bound = run.rateLimited ? bounds.rateLimited.ms : bounds.ms;
      return {
        database: run.database,
        limits: run.rateLimited ? 'on' : 'off',
        'wall ms': run.first.wallMs,
        'lower bound ms': bound,
        ratio: h.ratio(run.first.wallMs, bound),
        'target ratio': run.rateLimited ? '<= 1.1' : '<= 1.5',
        'gw cpu ms': run.first.gatewayCpuMs,
        'db cpu ms': run.first.postgresCpuMs ?? 'in gw',
        'sandbox cpu ms': run.first.sandboxCpuMs,
        'GET job p99/max ms': `${run.first.apiDuringSyncMs.p99}/${run.first.apiDuringSyncMs.max}`,
        'rss before/peak/after MiB': `${run.first.memory.beforeMiB}/${run.first.memory.peakDuringMiB}/${run.first.memory.afterMiB}`,
        're-sync ms': run.unchangedResync?.wallMs ?? '-',
      };
    });
    h.printTable(
      `Sync of ${WEBSHARE} Webshare + ${PROXYHAT} ProxyHat sub-users (provider latency ${LATENCY_MS} ms)`,
      rows,
    );
    for (const run of runs) {
      for (const account of run.first.perAccount)
        h.log(
          `  ${run.database}${run.rateLimited ? ' (limits)' : ''} ${account.name}: ${account.durationMs} ms ${JSON.stringify(account.phasesMs)}`,
        );
    }
    h.writeResults(SCENARIO, {
      scenario: SCENARIO,
      description: `POST /v1/sync of every account (${WEBSHARE} Webshare + ${PROXYHAT} ProxyHat sub-users, all adopted), provider latency ${LATENCY_MS} ms; ${MODE === 'default' ? 'then an unchanged re-sync; then with the providers’ real rate limits on' : 'then an unchanged re-sync; gateway memory sampled during the sync'}`,
      machine: h.machine(DATABASES.join(' and ')),
      settings: {
        webshare: WEBSHARE,
        proxyhat: PROXYHAT,
        providerLatencyMs: LATENCY_MS,
        databases: DATABASES,
      },
      lowerBound: bounds,
      summary: rows,
      runs,
    });
  },
  // Each database gets two or three syncs (100,000 adoptions in the 100k mode): 8 minutes.
  { timeLimitMs: 480_000 },
);
