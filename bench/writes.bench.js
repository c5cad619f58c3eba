// Scenario 3 — writes: creates per second through the gateway (POST /v1/sub-users with its own
// Idempotency-Key each: create intent, provider call, mapping + audit + idempotency record in
// PostgreSQL) versus the same creates made directly on the sandbox, at the same concurrency.
// Sandbox latency 0 and rate limits off; gateway pacing off (UPSTREAM_RATE_LIMIT=false).
//   npm run bench:writes       (BENCH_DURATION=10 BENCH_WARMUP=1 BENCH_CONNECTIONS=1,16)
// After the run the database is counted: every 2xx create must have its mapping, audit event and
// idempotency record (nothing skipped to look fast).
'use strict';

const crypto = require('node:crypto');
const { Client } = require('pg');
const h = require('./lib/harness');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16').split(',').map(Number);

let counter = 0;
const unique = () => `${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`;

/** An autocannon request whose body (and Idempotency-Key) is new every time. */
function creating(makeBody, extraHeaders = () => ({})) {
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        const id = unique();
        return {
          ...request,
          headers: { ...request.headers, 'content-type': 'application/json', ...extraHeaders(id) },
          body: JSON.stringify(makeBody(id)),
        };
      },
    },
  ];
}

async function countRows(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const one = async (sql) => Number((await client.query(sql)).rows[0].count);
    return {
      activeMappings: await one("SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'active'"),
      openIntents: await one("SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'intent'"),
      createAudits: await one(
        "SELECT count(*) FROM audit_events WHERE action = 'sub-user.created' AND outcome = 'ok'",
      ),
      idempotencyRecords: await one(
        "SELECT count(*) FROM idempotency_records WHERE state = 'completed' AND response_status = 201",
      ),
    };
  } finally {
    await client.end();
  }
}

h.runScenario('writes', async () => {
  const database = await h.createDatabase('writes');
  const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
  const gateway = await h.startGateway({
    databaseUrl: database.url,
    env: { UPSTREAM_RATE_LIMIT: 'false' },
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  });
  await h.registerAccounts(gateway.url, sandbox, { webshare: 1, proxyhat: 1 });
  const before = await countRows(database.url);

  const targets = [
    {
      name: 'proxyhat direct',
      provider: 'proxyhat',
      url: `${sandbox.url}/proxyhat/v1/sub-users`,
      headers: { authorization: `Bearer ${h.PROXYHAT_KEY}` },
      requests: creating((id) => ({ name: `direct-${id}`, proxy_password: `Pw-${id}`.slice(0, 60) })),
      cpuPids: { sandbox: sandbox.pid },
    },
    {
      name: 'proxyhat gateway',
      provider: 'proxyhat',
      url: `${gateway.url}/v1/sub-users`,
      headers: { authorization: `Bearer ${h.ADMIN_KEY}` },
      requests: creating(
        (id) => ({
          provider: 'proxyhat',
          name: `gw-${id}`,
          trafficLimit: '5GB',
          metadata: { customerId: id },
        }),
        (id) => ({ 'idempotency-key': `bench-${id}` }),
      ),
      cpuPids: { gateway: gateway.pid, sandbox: sandbox.pid },
    },
    {
      name: 'webshare direct',
      provider: 'webshare',
      url: `${sandbox.url}/webshare/api/v2/subuser/`,
      headers: { authorization: `Token ${h.WEBSHARE_KEY}` },
      requests: creating((id) => ({ label: `direct-${id}`, proxy_limit: 5, max_thread_count: 100 })),
      cpuPids: { sandbox: sandbox.pid },
    },
    {
      name: 'webshare gateway',
      provider: 'webshare',
      url: `${gateway.url}/v1/sub-users`,
      headers: { authorization: `Bearer ${h.ADMIN_KEY}` },
      requests: creating(
        (id) => ({
          provider: 'webshare',
          name: `gw-${id}`,
          trafficLimit: '5GB',
          maxConcurrency: 100,
          metadata: { customerId: id },
        }),
        (id) => ({ 'idempotency-key': `bench-${id}` }),
      ),
      cpuPids: { gateway: gateway.pid, sandbox: sandbox.pid },
    },
  ];

  const runs = [];
  for (const connections of CONNECTIONS) {
    for (const target of targets) {
      h.log(`${target.name} at ${connections} connection(s): ${WARMUP} s warm-up + ${DURATION} s`);
      await h.api(sandbox.url, 'DELETE', '/__sandbox/calls');
      const run = await h.measure({
        url: target.url,
        method: 'POST',
        headers: target.headers,
        requests: target.requests,
        connections,
        duration: DURATION,
        warmup: WARMUP,
        cpuPids: target.cpuPids,
      });
      if (run.non2xx > 0 || run.errors > 0) {
        throw new Error(`${target.name}: ${run.non2xx} non-2xx answers, ${run.errors} errors`);
      }
      const calls = (await h.api(sandbox.url, 'GET', '/__sandbox/calls')).body;
      runs.push({ target: target.name, provider: target.provider, ...run, sandboxCalls: calls });
    }
  }
  // Every 2xx gateway create (warm-ups included) must have left its rows.
  const sandboxState = {};
  for (const provider of ['webshare', 'proxyhat']) {
    const { body } = await h.api(sandbox.url, 'GET', `/__sandbox/state?provider=${provider}`);
    sandboxState[provider] = Array.isArray(body) ? body.length : (body?.subUsers?.length ?? null);
  }
  const after = await countRows(database.url);
  const gatewayCreates = after.activeMappings - before.activeMappings;
  const integrity = {
    gatewayCreatesStored: gatewayCreates,
    createAudits: after.createAudits - before.createAudits,
    idempotencyRecords: after.idempotencyRecords - before.idempotencyRecords,
    openIntentsLeft: after.openIntents,
    consistent:
      after.createAudits - before.createAudits === gatewayCreates &&
      after.idempotencyRecords - before.idempotencyRecords === gatewayCreates &&
      after.openIntents === 0,
  };
  const gatewayRssMiB = h.rssMiB(gateway.pid);

  const comparison = [];
  for (const connections of CONNECTIONS) {
    for (const provider of ['proxyhat', 'webshare']) {
      const of = (kind) =>
        runs.find((run) => run.target === `${provider} ${kind}` && run.connections === connections);
      const direct = of('direct');
      const gw = of('gateway');
      comparison.push({
        provider,
        connections,
        gatewayCreatesPerSecond: gw.requestsPerSecond,
        directCreatesPerSecond: direct.requestsPerSecond,
        gatewayOverDirect: h.ratio(gw.requestsPerSecond, direct.requestsPerSecond),
        gatewayAddedMeanMs: h.round2(gw.latencyMs.mean - direct.latencyMs.mean),
        gatewayCpuMsPerCreate: gw.cpuMsPerRequest.gateway,
      });
    }
  }

  h.printTable(
    'Creates (latencies in ms)',
    runs.map((run) => ({
      target: run.target,
      conns: run.connections,
      'creates/s': run.requestsPerSecond,
      mean: run.latencyMs.mean.toFixed(2),
      p50: run.latencyMs.p50.toFixed(2),
      p99: run.latencyMs.p99.toFixed(2),
      creates: run.latencyMs.count,
      'gw cpu ms/req': run.cpuMsPerRequest.gateway ?? '-',
    })),
  );
  h.printTable(
    'Gateway vs direct',
    comparison.map((row) => ({
      provider: row.provider,
      conns: row.connections,
      'gw/s': row.gatewayCreatesPerSecond,
      'direct/s': row.directCreatesPerSecond,
      'gw/direct': row.gatewayOverDirect,
      'added mean ms': row.gatewayAddedMeanMs.toFixed(2),
    })),
  );
  h.log(
    `stored rows consistent: ${integrity.consistent} ${JSON.stringify(integrity)}; gateway RSS ${gatewayRssMiB} MiB`,
  );
  if (!integrity.consistent)
    throw new Error(`stored rows do not match the creates: ${JSON.stringify(integrity)}`);

  h.writeResults('writes', {
    scenario: 'writes',
    description:
      'POST /v1/sub-users with an Idempotency-Key each (intent, provider create, mapping + audit + idempotency in PostgreSQL) vs the same create direct on the sandbox',
    machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      sandboxLatencyMs: 0,
      sandboxRateLimits: 'off',
      gatewayEnv: { UPSTREAM_RATE_LIMIT: 'false', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
    },
    runs,
    comparison,
    integrity,
    sandboxSubUsers: sandboxState,
    gatewayRssMiB,
  });
  await h.stopProcess(gateway);
  await database.drop();
});
