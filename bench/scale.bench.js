// Scenario — scale: one gateway replica against two, on one PostgreSQL with Redis (REDIS_URL: the
// upstream limiters, the inbound limiter and key revocations shared), for creates (POST
// /v1/sub-users with an Idempotency-Key each, ProxyHat) and reads (GET /v1/sub-users/:id, the stored
// snapshot, random ids among those created). One replica gets 16 connections; two get 8 each (the
// load generator runs one autocannon per replica at once). Replica A is pinned to core 0, replica B
// to core 1 with the sandbox, Redis and the load generator: this machine has two cores, so what a
// second replica adds is bounded by the core it has to share. Also recorded: the CPU each replica and
// the database's backends spent per request, which say where one account, one replica and the
// database stop.
//   npm run bench:scale      (BENCH_DURATION=10 BENCH_WARMUP=2)
'use strict';

const crypto = require('node:crypto');
const { Client } = require('pg');
const h = require('./lib/harness');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);

/** CPU ms of this database's backends (pg_stat_activity), for the database's share of a run. */
async function databaseCpu(databaseUrl) {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // the database is dropped under it at the end
  await client.connect();
  const pids = async () =>
    (
      await client.query(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((row) => row.pid);
  const sum = (list) =>
    list.reduce((total, pid) => {
      try {
        return total + h.cpuMs(pid);
      } catch {
        return total;
      }
    }, 0);
  return {
    async start() {
      const before = await pids();
      const cpu = new Map(before.map((pid) => [pid, sum([pid])]));
      return async () => {
        const after = await pids();
        let used = 0;
        for (const pid of new Set([...before, ...after])) used += sum([pid]) - (cpu.get(pid) ?? 0);
        return used;
      };
    },
    close: () => client.end(),
  };
}

let counter = 0;
const creating = () => [
  {
    method: 'POST',
    setupRequest: (request) => {
      const id = `${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`;
      return {
        ...request,
        path: '/v1/sub-users',
        headers: { ...request.headers, 'content-type': 'application/json', 'idempotency-key': `scale-${id}` },
        body: JSON.stringify({ provider: 'proxyhat', name: `scale-${id}`, metadata: { bench: 'scale' } }),
      };
    },
  },
];

function reading(ids) {
  return [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `/v1/sub-users/${ids[Math.floor(Math.random() * ids.length)]}`,
      }),
    },
  ];
}

/** One load per replica at once (connections split); requests/s summed, CPU per replica. */
async function load(replicas, connections, requests, dbCpu) {
  const per = Math.max(1, Math.floor(connections / replicas.length));
  const finish = await dbCpu.start();
  const runs = await Promise.all(
    replicas.map((replica) =>
      h.measure({
        url: replica.url,
        headers: { authorization: `Bearer ${h.ADMIN_KEY}` },
        requests,
        connections: per,
        duration: DURATION,
        warmup: WARMUP,
        cpuPids: { [replica.name]: replica.pid },
      }),
    ),
  );
  const databaseMs = await finish();
  const answered = runs.reduce((total, run) => total + run.latencyMs.count, 0);
  for (const run of runs) {
    if (run.non2xx > 0 || run.errors > 0)
      throw new Error(`${run.non2xx} non-2xx answers, ${run.errors} errors`);
  }
  return {
    replicas: replicas.length,
    connections,
    requestsPerSecond: h.round2(runs.reduce((total, run) => total + run.requestsPerSecond, 0)),
    perReplica: runs.map((run, i) => ({
      replica: replicas[i].name,
      requestsPerSecond: run.requestsPerSecond,
      latencyMs: run.latencyMs,
      cpuMsPerRequest: run.cpuMsPerRequest[replicas[i].name],
    })),
    // The warm-up's requests count too (the database was measured across both).
    databaseCpuMsPerRequest: answered ? h.round2(databaseMs / (answered * (1 + WARMUP / DURATION))) : null,
  };
}

h.runScenario('scale', async () => {
  const database = await h.createDatabase('scale');
  const redis = await h.startRedis();
  const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
  const env = { REDIS_URL: redis.url, UPSTREAM_RATE_LIMIT: 'false' };
  const a = await h.startGateway({ databaseUrl: database.url, env, name: 'gateway-a', core: h.GATEWAY_CORE });
  await h.registerAccounts(a.url, sandbox, { webshare: 0, proxyhat: 1 });
  const dbCpu = await databaseCpu(database.url);
  const replicaA = { ...a, name: 'gateway-a' };
  // One of each before the load: a failure shows its answer here.
  const { body: first } = await h.api(a.url, 'POST', '/v1/sub-users', {
    body: { provider: 'proxyhat', name: 'scale-first' },
    headers: { 'idempotency-key': 'scale-first' },
    expect: [201],
  });
  await h.api(a.url, 'GET', `/v1/sub-users/${first.id}`, { expect: [200] });

  h.log('one replica: creates at 16 connections');
  const createsOne = await load([replicaA], 16, creating(), dbCpu);
  const client = new Client({ connectionString: database.url });
  client.on('error', () => undefined);
  await client.connect();
  const ids = () =>
    client
      .query("SELECT id FROM sub_user_mappings WHERE lifecycle = 'active' ORDER BY md5(id::text) LIMIT 20000")
      .then((result) => result.rows.map((row) => row.id));
  h.log('one replica: reads at 16 connections');
  const readsOne = await load([replicaA], 16, reading(await ids()), dbCpu);

  const b = await h.startGateway({ databaseUrl: database.url, env, name: 'gateway-b', core: h.LOAD_CORE });
  const replicas = [replicaA, { ...b, name: 'gateway-b' }];
  h.log('two replicas: creates at 8 + 8 connections');
  const createsTwo = await load(replicas, 16, creating(), dbCpu);
  h.log('two replicas: reads at 8 + 8 connections');
  const readsTwo = await load(replicas, 16, reading(await ids()), dbCpu);
  const stored = (
    await client.query(
      `SELECT (SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'active')::int AS mappings,
              (SELECT count(*) FROM sub_user_mappings WHERE lifecycle = 'intent')::int AS "openIntents",
              (SELECT count(*) FROM audit_events WHERE action = 'sub-user.created')::int AS audits,
              (SELECT count(*) FROM idempotency_records WHERE state = 'completed')::int AS "idempotencyRecords"`,
    )
  ).rows[0];
  await client.end();
  await dbCpu.close();

  const rows = [
    ['creates', createsOne, createsTwo],
    ['reads', readsOne, readsTwo],
  ].map(([kind, one, two]) => ({
    kind,
    'one replica req/s': one.requestsPerSecond,
    'two replicas req/s': two.requestsPerSecond,
    'two/one': h.ratio(two.requestsPerSecond, one.requestsPerSecond),
    'gw cpu ms/req (one)': one.perReplica[0].cpuMsPerRequest,
    'gw cpu ms/req (two: a, b)': two.perReplica.map((replica) => replica.cpuMsPerRequest).join(', '),
    'db cpu ms/req (one, two)': `${one.databaseCpuMsPerRequest}, ${two.databaseCpuMsPerRequest}`,
  }));
  h.printTable('One replica against two (PostgreSQL + Redis)', rows);
  h.log(`stored: ${JSON.stringify(stored)}`);
  h.writeResults('scale', {
    scenario: 'scale',
    description:
      'One gateway replica (16 connections) against two (8 + 8) on one PostgreSQL with Redis: creates (ProxyHat, Idempotency-Key each) and reads (stored snapshot by id); CPU per request of each replica and of the database backends',
    machine: h.machine('postgresql (local, 127.0.0.1:5432) + redis'),
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      pinning: 'replica A core 0; replica B core 1 with the sandbox, Redis and the load generator',
      gatewayEnv: { REDIS_URL: 'set', UPSTREAM_RATE_LIMIT: 'false', RATE_LIMIT_PER_MINUTE: '0' },
    },
    creates: { one: createsOne, two: createsTwo },
    reads: { one: readsOne, two: readsTwo },
    summary: rows,
    stored,
  });
  for (const replica of replicas) await h.stopProcess(replica);
  await database.drop();
});
