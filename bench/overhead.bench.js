// Scenario 1 — overhead of the hot path: GET /v1/sub-users/:id?fresh=true through the gateway
// (API key, validation, mapping lookup, provider call, snapshot compare, response) versus the same
// ProxyHat call made directly to the sandbox and through a bare reverse proxy (@fastify/http-proxy).
// PostgreSQL (production setup), sandbox latency 0, rate limits off (sandbox and gateway pacing).
//   npm run bench:overhead            (BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_CONNECTIONS=1,16,64)
//   BENCH_CPU_PROF=<dir> also writes a .cpuprofile of the gateway (summarise: bench/lib/cpu-profile.js)
/* global fetch */
'use strict';

const { Client } = require('pg');
const h = require('./lib/harness');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
// BENCH_TARGETS=gateway measures only the gateway (e.g. while profiling); no results file then.
const ONLY = process.env.BENCH_TARGETS ? process.env.BENCH_TARGETS.split(',') : null;

h.runScenario('overhead', async () => {
  const database = await h.createDatabase('overhead');
  const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
  const gateway = await h.startGateway({
    databaseUrl: database.url,
    env: { UPSTREAM_RATE_LIMIT: 'false' },
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  });
  const proxy = await h.startBareProxy(sandbox.url);

  await h.registerAccounts(gateway.url, sandbox, { webshare: 0, proxyhat: 1 });
  const { body: created } = await h.api(gateway.url, 'POST', '/v1/sub-users', {
    body: {
      provider: 'proxyhat',
      name: 'bench-overhead',
      trafficLimit: '5GB',
      metadata: { bench: 'overhead' },
    },
    headers: { 'idempotency-key': 'bench-overhead-create' },
    expect: [201],
  });
  const providerId = created.providerSubUserId;

  const targets = [
    {
      name: 'direct',
      url: `${sandbox.url}/proxyhat/v1/sub-users/${providerId}`,
      headers: { authorization: `Bearer ${h.PROXYHAT_KEY}` },
      cpuPids: { sandbox: sandbox.pid },
    },
    {
      name: 'bare-proxy',
      url: `${proxy.url}/proxyhat/v1/sub-users/${providerId}`,
      headers: { authorization: `Bearer ${h.PROXYHAT_KEY}` },
      cpuPids: { 'bare-proxy': proxy.pid, sandbox: sandbox.pid },
    },
    {
      name: 'gateway',
      url: `${gateway.url}/v1/sub-users/${created.id}?fresh=true`,
      headers: { authorization: `Bearer ${h.ADMIN_KEY}` },
      cpuPids: { gateway: gateway.pid, sandbox: sandbox.pid },
    },
  ];
  // Each target answers 200 with a body before it is measured.
  for (const target of targets) {
    const response = await fetch(target.url, { headers: target.headers });
    if (response.status !== 200) throw new Error(`${target.name} answered ${response.status}`);
  }

  // Database statements per gateway request (each statement outside a transaction commits on its own).
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  const commits = async () =>
    Number(
      (await pg.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0]
        .xact_commit,
    );

  const runs = [];
  for (const connections of CONNECTIONS) {
    for (const target of targets.filter((t) => !ONLY || ONLY.includes(t.name))) {
      h.log(`${target.name} at ${connections} connection(s): ${WARMUP} s warm-up + ${DURATION} s`);
      let commitsBefore = 0;
      const run = await h.measure({
        onMeasureStart: async () => {
          await h.sleep(700); // the statistics collector lags a little
          await pg.query('SELECT pg_stat_clear_snapshot()');
          commitsBefore = await commits();
        },
        url: target.url,
        headers: target.headers,
        cpuPids: target.cpuPids,
        connections,
        duration: DURATION,
        warmup: WARMUP,
      });
      if (run.non2xx > 0 || run.errors > 0) {
        throw new Error(`${target.name}: ${run.non2xx} non-2xx answers, ${run.errors} errors`);
      }
      // The statistics collector lags a little: wait for it before reading.
      await h.sleep(700);
      await pg.query('SELECT pg_stat_clear_snapshot()');
      // Less the statements of this reader (one per commits() call).
      const dbCommits = (await commits()) - commitsBefore - 1;
      runs.push({
        target: target.name,
        ...run,
        dbCommitsPerRequest: target.name === 'gateway' ? h.round2(dbCommits / run.latencyMs.count) : null,
      });
    }
  }
  await pg.end();
  const gatewayRssMiB = h.rssMiB(gateway.pid);
  if (ONLY) {
    for (const run of runs) h.log(`${run.target} c=${run.connections}: ${JSON.stringify(run)}`);
    await h.stopProcess(gateway);
    return;
  }
  const proxyRssMiB = h.rssMiB(proxy.pid);
  const calls = (await h.api(sandbox.url, 'GET', '/__sandbox/calls')).body;

  const comparison = CONNECTIONS.map((connections) => {
    const of = (name) => runs.find((run) => run.target === name && run.connections === connections);
    const direct = of('direct');
    const bare = of('bare-proxy');
    const gw = of('gateway');
    return {
      connections,
      gatewayAddedMeanMs: h.round2(gw.latencyMs.mean - direct.latencyMs.mean),
      bareProxyAddedMeanMs: h.round2(bare.latencyMs.mean - direct.latencyMs.mean),
      gatewayAddedP50Ms: h.round2(gw.latencyMs.p50 - direct.latencyMs.p50),
      gatewayAddedP99Ms: h.round2(gw.latencyMs.p99 - direct.latencyMs.p99),
      gatewayRpsOverBareProxy: h.ratio(gw.requestsPerSecond, bare.requestsPerSecond),
      gatewayRpsOverDirect: h.ratio(gw.requestsPerSecond, direct.requestsPerSecond),
      gatewayMeanOverDirect: h.ratio(gw.latencyMs.mean, direct.latencyMs.mean),
      gatewayCpuMsPerRequest: gw.cpuMsPerRequest.gateway,
      bareProxyCpuMsPerRequest: bare.cpuMsPerRequest['bare-proxy'],
      gatewayDbCommitsPerRequest: gw.dbCommitsPerRequest,
    };
  });
  const at = (c) => comparison.find((row) => row.connections === c);
  const targetsMet = {
    addedMeanAt1UnderHalfMs: at(1) ? at(1).gatewayAddedMeanMs < 0.5 : null,
    rpsAt16AtLeastHalfOfBareProxy: at(16) ? at(16).gatewayRpsOverBareProxy >= 0.5 : null,
  };

  h.printTable(
    'Overhead: GET one sub-user, ProxyHat (latencies in ms)',
    runs.map((run) => ({
      target: run.target,
      conns: run.connections,
      'req/s': run.requestsPerSecond,
      mean: run.latencyMs.mean.toFixed(2),
      p50: run.latencyMs.p50.toFixed(2),
      p99: run.latencyMs.p99.toFixed(2),
      max: run.latencyMs.max.toFixed(2),
      requests: run.latencyMs.count,
      'cpu ms/req': run.cpuMsPerRequest.gateway ?? run.cpuMsPerRequest['bare-proxy'] ?? '-',
    })),
  );
  h.printTable(
    'Gateway vs direct and bare proxy',
    comparison.map((row) => ({
      conns: row.connections,
      'added mean ms': row.gatewayAddedMeanMs.toFixed(2),
      'proxy added ms': row.bareProxyAddedMeanMs.toFixed(2),
      'added p99 ms': row.gatewayAddedP99Ms.toFixed(2),
      'rps gw/proxy': row.gatewayRpsOverBareProxy,
      'rps gw/direct': row.gatewayRpsOverDirect,
      'gw cpu ms/req': row.gatewayCpuMsPerRequest,
      'proxy cpu ms/req': row.bareProxyCpuMsPerRequest,
    })),
  );
  h.log(
    `targets: +mean at 1 conn < 0.5 ms: ${targetsMet.addedMeanAt1UnderHalfMs ? 'met' : 'MISSED'}; ` +
      `rps at 16 >= 50% of bare proxy: ${targetsMet.rpsAt16AtLeastHalfOfBareProxy ? 'met' : 'MISSED'}; ` +
      `gateway RSS ${gatewayRssMiB} MiB`,
  );

  h.writeResults('overhead', {
    scenario: 'overhead',
    description:
      'GET /v1/sub-users/:id?fresh=true (ProxyHat) through the gateway vs the same call direct to the sandbox vs through @fastify/http-proxy',
    machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      sandboxLatencyMs: 0,
      sandboxRateLimits: 'off',
      gatewayEnv: { UPSTREAM_RATE_LIMIT: 'false', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
      loadGenerator: 'autocannon 8.0.0 (latencies from per-response hrtime, float ms)',
    },
    runs,
    comparison,
    targets: {
      addedMeanAt1ConnectionMs: { target: '< 0.5', actual: at(1)?.gatewayAddedMeanMs ?? null },
      rpsAt16OverBareProxy: { target: '>= 0.5', actual: at(16)?.gatewayRpsOverBareProxy ?? null },
      met: targetsMet,
    },
    sandboxCalls: calls,
    gatewayRssMiB,
    bareProxyRssMiB: proxyRssMiB,
  });
  await h.stopProcess(gateway);
  await database.drop();
});
