/* global URLSearchParams */
// Scenario 2 — local reads: GET /v1/sub-users with filters and cursor pagination over many mapped
// sub-users: 1,000,000 on PostgreSQL (`npm run bench:reads`) and 100,000 on the embedded database
// a newcomer runs (`npm run bench:reads-embedded`, BENCH_DATABASE=embedded). Tenants, API keys and
// provider accounts are created through the API (so the rows are valid); the mappings are generated
// inside the database (bench/lib/seed-mappings.js), with realistic snapshots and metadata. Each query
// shape: its first page repeated, a walk of consecutive pages following nextCursor, and deep pages
// (the page after row 1,000 / 10,000 / 50,000 (/ 500,000 at a million) of that shape: a cursor in the
// API's own format built from the row at that position). Target: p99 < 20 ms per page.
// On PostgreSQL also GET /v1/sub-users/:id (the stored snapshot, random ids, 16 connections) against
// a minimal Fastify + pg service reading the same row with the same key check
// (bench/lib/baseline-pg.js). Target: gateway req/s >= 0.7 x the baseline's.
//   npm run bench:reads        (BENCH_ROWS, BENCH_REPEATS=100, BENCH_WALK_PAGES=20, BENCH_DEEP_REPEATS=30,
//                               BENCH_DURATION=10, BENCH_WARMUP=2 for the get-by-id runs,
//                               BENCH_WARMUP_PAGES=50 read before any shape is timed;
//                               BENCH_SETTLE=0 skips the VACUUM + CHECKPOINT after seeding;
//                               BENCH_CPU_PROF=<dir> writes a .cpuprofile of the gateway)
// Shapes that miss the target get an EXPLAIN ANALYZE of the equivalent SQL in the results file.
'use strict';

const { Client } = require('pg');
const { request } = require('undici');
const h = require('./lib/harness');
const { seedMappings } = require('./lib/seed-mappings');
const { equivalentSql, shapesOf } = require('./lib/read-shapes');
const {
  sqlRunner,
  settle,
  maintenanceCounters,
  maintenanceSince,
  writesSince,
} = require('./lib/reads-database');

const EMBEDDED = process.env.BENCH_DATABASE === 'embedded';
const SCENARIO = EMBEDDED ? 'reads-embedded' : 'reads';
const ROWS = Number(process.env.BENCH_ROWS ?? (EMBEDDED ? 100_000 : 1_000_000));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 100);
const WALK_PAGES = Number(process.env.BENCH_WALK_PAGES ?? 20);
const DEEP_REPEATS = Number(process.env.BENCH_DEEP_REPEATS ?? 30);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const WARMUP_PAGES = Number(process.env.BENCH_WARMUP_PAGES ?? 50);
const DEPTHS = ROWS >= 1_000_000 ? [1000, 10_000, 50_000, 500_000] : [1000, 10_000, 50_000];
const TENANTS = 10;
const TARGET_P99_MS = 20;
const TARGET_GET_RATIO = 0.7;
const SETTLE = process.env.BENCH_SETTLE !== '0';

/**
 * One GET, timed until its whole body has arrived (as autocannon and wrk time a response); the
 * JSON is parsed after the clock stops. `parsedMs` also counts the parse, which is this load
 * generator's work (a 500-row page is 600 KB of JSON), not the gateway's.
 */
async function timedGet(url, key) {
  const started = process.hrtime.bigint();
  const response = await request(url, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.body.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const body = JSON.parse(text);
  const parsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${text}`);
  return { ms, parsedMs, body };
}

async function waitForNoActiveJobs(url) {
  for (;;) {
    const active = [];
    for (const status of ['queued', 'running']) {
      const { body } = await h.api(url, 'GET', `/v1/jobs?status=${status}`, { expect: [200] });
      active.push(...body.items);
    }
    if (active.length === 0) return;
    await h.sleep(200);
  }
}

h.runScenario(
  SCENARIO,
  async () => {
    const database = EMBEDDED ? h.createEmbeddedDatabase(SCENARIO) : await h.createDatabase(SCENARIO);
    const sandbox = await h.startSandbox({ rateLimits: false });
    const cpuProfDir = process.env.BENCH_CPU_PROF || undefined;
    // The seeded rows exist only in the database: a sync (the follow-up of the 3 % seeded as
    // `deleting` starts one per account) would reconcile them away while the reads are timed.
    const gatewayEnv = { SYNC_FOLLOW_UP_MS: '0' };
    let gateway = await h.startGateway({ databaseUrl: database.url, cpuProfDir, env: gatewayEnv });

    const accounts = await h.registerAccounts(gateway.url, sandbox, { webshare: 2, proxyhat: 2 });
    // A registered account gets a first sync. Left running (or, on the embedded database, handed
    // back to the queue when the gateway stops for the seeding), it would reconcile the seeded rows
    // against the sandbox while the reads are measured.
    await waitForNoActiveJobs(gateway.url);
    const accountList = [...accounts.webshare, ...accounts.proxyhat];
    const tenants = [];
    for (let i = 0; i < TENANTS; i++) {
      const { body } = await h.api(gateway.url, 'POST', '/v1/tenants', {
        body: { name: `bench-tenant-${i}` },
        expect: [201],
      });
      tenants.push(body.id);
    }
    const { body: tenantKey } = await h.api(gateway.url, 'POST', '/v1/api-keys', {
      body: { name: 'bench-reader', tenantId: tenants[0], scopes: ['sub-users:read'] },
      expect: [201],
    });
    // The embedded database belongs to one process: the gateway stops while the rows go in.
    if (EMBEDDED) await h.stopProcess(gateway);
    h.log(`inserting ${ROWS} mappings over ${TENANTS} tenants and ${accountList.length} accounts`);
    const shapes = shapesOf(accountList, tenants);
    const deepCursors = new Map();
    let insertMs;
    let settleMs = null;
    {
      const db = await sqlRunner(database);
      try {
        insertMs = await seedMappings(db.query, {
          tenants,
          accounts: accountList.map((account) => ({ id: account.id, provider: account.provider })),
          rows: ROWS,
          onBatch: (done) => done % 200_000 === 0 && h.log(`  ${done} rows`),
        });
        h.log(`inserted in ${insertMs} ms`);
        if (SETTLE) {
          settleMs = await settle(db, EMBEDDED);
          h.log(`vacuumed and checkpointed in ${settleMs} ms`);
        }
        // Deep cursors: the row at each depth of each shape, encoded the way the API encodes nextCursor.
        for (const shape of shapes) {
          const cursors = [];
          for (const depth of DEPTHS) {
            const { sql, params } = equivalentSql(shape, { tenants }, depth);
            const rows = await db.query(sql, params);
            if (!rows[0]) continue;
            const position = { c: new Date(rows[0].created_at).toISOString(), i: rows[0].id };
            cursors.push({ depth, cursor: Buffer.from(JSON.stringify(position)).toString('base64url') });
          }
          deepCursors.set(shape.name, cursors);
        }
      } finally {
        await db.close();
      }
    }
    if (EMBEDDED) gateway = await h.startGateway({ databaseUrl: database.url, cpuProfDir, env: gatewayEnv });

    // A fresh process's first requests compile the route and open the pool's connections (13-90 ms
    // each, measured for the usage scenario): warm up on pages no shape reads (another tenant's).
    await warmUp(gateway.url, tenants.at(-1));
    const measuredFrom = new Date();
    const maintenanceBefore = EMBEDDED ? null : await maintenanceCounters(database);

    const results = [];
    for (const shape of shapes) {
      const key = shape.auth === 'tenant' ? tenantKey.key : h.ADMIN_KEY;
      const base = `${gateway.url}/v1/sub-users?${new URLSearchParams(Object.entries(shape.query).map(([k, v]) => [k, String(v)]))}`;
      await timedGet(base, key); // warm
      const first = [];
      const parsed = [];
      let firstItems = 0;
      for (let i = 0; i < REPEATS; i++) {
        const { ms, parsedMs, body } = await timedGet(base, key);
        first.push(ms);
        parsed.push(parsedMs);
        firstItems = body.items.length;
      }
      const walk = [];
      let cursor = null;
      let rowsWalked = 0;
      for (let page = 0; page < WALK_PAGES; page++) {
        const url = cursor
          ? `${base}${base.endsWith('?') ? '' : '&'}cursor=${encodeURIComponent(cursor)}`
          : base;
        const { ms, parsedMs, body } = await timedGet(url, key);
        walk.push(ms);
        parsed.push(parsedMs);
        rowsWalked += body.items.length;
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      const deep = [];
      const deepByDepth = {};
      for (const { depth, cursor: deepCursor } of deepCursors.get(shape.name)) {
        const url = `${base}${base.endsWith('?') ? '' : '&'}cursor=${encodeURIComponent(deepCursor)}`;
        const times = [];
        for (let i = 0; i < DEEP_REPEATS; i++) {
          const { ms, parsedMs } = await timedGet(url, key);
          times.push(ms);
          parsed.push(parsedMs);
        }
        deep.push(...times);
        deepByDepth[depth] = h.summarize(times);
      }
      const all = h.summarize([...first, ...walk, ...deep]);
      const row = {
        shape: shape.name,
        query: shape.query,
        auth: shape.auth,
        firstPage: { ...h.summarize(first), items: firstItems },
        walk: {
          ...h.summarize(walk),
          pages: walk.length,
          rows: rowsWalked,
          lastPageMs: h.round2(walk[walk.length - 1]),
          reachedEnd: !cursor,
        },
        deep: deepByDepth,
        all,
        // The same pages timed until this script had also parsed them (how rounds one to six timed them).
        allWithClientParse: h.summarize(parsed),
        meetsTarget: all.p99 < TARGET_P99_MS,
      };
      results.push(row);
      h.log(
        `${shape.name}: first p50 ${row.firstPage.p50} p99 ${row.firstPage.p99}; walk ${row.walk.pages} pages p50 ${row.walk.p50} p99 ${row.walk.p99}; deep p50 ${Object.entries(
          row.deep,
        )
          .map(([depth, summary]) => `${depth}: ${summary.p50}`)
          .join(', ')}`,
      );
    }

    const maintenanceDuringShapes = EMBEDDED
      ? null
      : maintenanceSince(maintenanceBefore, await maintenanceCounters(database));
    if (maintenanceDuringShapes)
      h.log(`database maintenance while shapes were timed: ${JSON.stringify(maintenanceDuringShapes)}`);
    const gatewayRssMiB = h.rssMiB(gateway.pid);
    const getById = EMBEDDED ? null : await measureGetById(database, gateway, tenants);
    await h.stopProcess(gateway);
    const writesDuringMeasurement = await writesSince(database, measuredFrom);
    if (writesDuringMeasurement.jobs.length > 0 || writesDuringMeasurement.auditRows > 0)
      throw new Error(
        `the gateway wrote while reads were timed (the figures would be disturbed): ${JSON.stringify(writesDuringMeasurement)}`,
      );
    const explains = await explainMisses(database, results, shapes, tenants, deepCursors);

    h.printTable(
      `Local reads over ${ROWS} sub-users, ${EMBEDDED ? 'embedded database' : 'PostgreSQL'} (ms per page; target p99 < ${TARGET_P99_MS} ms)`,
      results.map((row) => ({
        shape: row.shape,
        'first p50': row.firstPage.p50.toFixed(2),
        'first p99': row.firstPage.p99.toFixed(2),
        pages: row.walk.pages,
        'walk p50': row.walk.p50.toFixed(2),
        'walk p99': row.walk.p99.toFixed(2),
        'deep 10k p50': row.deep[10000]?.p50?.toFixed(2) ?? '-',
        'deepest p50': Object.values(row.deep).at(-1)?.p50?.toFixed(2) ?? '-',
        'all n': row.all.count,
        'all p99': row.all.p99.toFixed(2),
        'all max': row.all.max.toFixed(2),
        'p99 with parse': row.allWithClientParse.p99.toFixed(2),
        'p99/target': h.ratio(row.all.p99, TARGET_P99_MS),
        target: row.meetsTarget ? 'met' : 'MISSED',
      })),
    );
    if (getById) {
      h.printTable(
        'GET /v1/sub-users/:id (random ids, 16 connections) vs Fastify + pg',
        getById.runs.map((run) => ({
          target: run.target,
          'req/s': run.requestsPerSecond,
          mean: run.latencyMs.mean,
          p99: run.latencyMs.p99,
          'cpu ms/req': run.cpuMsPerRequest[run.target],
        })),
      );
      h.log(`get by id: gateway/baseline req/s ${getById.ratio} (target >= ${TARGET_GET_RATIO})`);
    }
    h.log(
      `gateway RSS ${gatewayRssMiB} MiB; shapes meeting p99 < ${TARGET_P99_MS} ms: ${results.filter((r) => r.meetsTarget).length} of ${results.length}`,
    );
    for (const [shape, explain] of Object.entries(explains)) {
      h.log(`EXPLAIN ANALYZE (${shape}):\n  ${explain.plan.join('\n  ')}`);
    }

    h.writeResults(SCENARIO, {
      scenario: SCENARIO,
      description: `GET /v1/sub-users (filters, cursor pagination) over ${ROWS} mapped sub-users on ${EMBEDDED ? 'the embedded database (PGlite)' : 'PostgreSQL'}, sequential requests (1 connection)${EMBEDDED ? '' : '; GET /v1/sub-users/:id against a Fastify + pg baseline'}`,
      machine: h.machine(EMBEDDED ? 'embedded (PGlite, on disk)' : 'postgresql (local, 127.0.0.1:5432)'),
      settings: {
        rows: ROWS,
        tenants: TENANTS,
        accounts: accountList.length,
        repeats: REPEATS,
        walkPages: WALK_PAGES,
        deepRepeats: DEEP_REPEATS,
        depths: DEPTHS,
        warmUpPages: WARMUP_PAGES,
        insertMs,
        settleMs,
      },
      targetP99Ms: TARGET_P99_MS,
      shapesMeetingTarget: results.filter((row) => row.meetsTarget).length,
      shapes: results,
      getById,
      writesDuringMeasurement,
      maintenanceDuringShapes,
      explains,
      gatewayRssMiB,
    });
    await database.drop();
  },
  // A million rows take a minute or two to generate: 8 minutes for the PostgreSQL run.
  { timeLimitMs: EMBEDDED ? 290_000 : 480_000 },
);

/** GET /v1/sub-users/:id through the gateway vs the Fastify + pg baseline, same random ids. */
async function measureGetById(database, gateway, tenants) {
  const baseline = await h.startBaseline(database.url);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  const ids = (
    await client.query(
      "SELECT id FROM sub_user_mappings WHERE status <> 'deleted' ORDER BY md5(id::text) LIMIT 50000",
    )
  ).rows.map((row) => row.id);
  await client.end();
  void tenants;
  let next = 0;
  const requests = [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: `/v1/sub-users/${ids[next++ % ids.length]}` }),
    },
  ];
  const runs = [];
  for (const target of [
    { name: 'gateway', url: gateway.url, pid: gateway.pid },
    { name: 'baseline-pg', url: baseline.url, pid: baseline.pid },
  ]) {
    h.log(`get by id: ${target.name} at 16 connections, ${WARMUP} s warm-up + ${DURATION} s`);
    const run = await h.measure({
      url: target.url,
      headers: { authorization: `Bearer ${h.ADMIN_KEY}` },
      requests,
      connections: 16,
      duration: DURATION,
      warmup: WARMUP,
      cpuPids: { [target.name]: target.pid },
    });
    if (run.non2xx > 0 || run.errors > 0)
      throw new Error(`${target.name}: ${run.non2xx} non-2xx, ${run.errors} errors`);
    runs.push({ target: target.name, ...run });
  }
  await h.stopProcess(baseline);
  const [gw, base] = runs;
  return {
    description:
      'GET /v1/sub-users/:id (the stored snapshot) for random ids among 50,000, 16 connections; baseline: Fastify + pg reading the row by primary key with the same key check (bench/lib/baseline-pg.js)',
    runs,
    ratio: h.ratio(gw.requestsPerSecond, base.requestsPerSecond),
    target: `>= ${TARGET_GET_RATIO}`,
    met: h.ratio(gw.requestsPerSecond, base.requestsPerSecond) >= TARGET_GET_RATIO,
  };
}

/** WARMUP_PAGES consecutive pages of one tenant's sub-users, read as the admin. */
async function warmUp(url, tenantId) {
  let cursor = null;
  for (let page = 0; page < WARMUP_PAGES; page++) {
    const query = new URLSearchParams({ tenantId, ...(cursor ? { cursor } : {}) });
    cursor = (await timedGet(`${url}/v1/sub-users?${query}`, h.ADMIN_KEY)).body.nextCursor;
  }
}

/** EXPLAIN ANALYZE of the equivalent SQL of every shape that missed the target (after the gateway stopped). */
async function explainMisses(database, results, shapes, tenants, deepCursors) {
  const explains = {};
  const missed = results.filter((row) => !row.meetsTarget);
  if (missed.length === 0) return explains;
  const db = await sqlRunner(database);
  try {
    for (const row of missed) {
      const shape = shapes.find((s) => s.name === row.shape);
      const { sql, params } = equivalentSql(shape, { tenants });
      const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      explains[row.shape] = { sql, params, plan: plan.map((r) => r['QUERY PLAN']) };
      const deepest = deepCursors.get(shape.name).at(-1);
      if (deepest) {
        const after = JSON.parse(Buffer.from(deepest.cursor, 'base64url').toString('utf8'));
        const deepSql = equivalentSql(shape, { tenants }, null, after);
        const deepPlan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${deepSql.sql}`, deepSql.params);
        explains[`${row.shape} (page after row ${deepest.depth})`] = {
          sql: deepSql.sql,
          params: deepSql.params,
          plan: deepPlan.map((r) => r['QUERY PLAN']),
        };
      }
    }
  } finally {
    await db.close();
  }
  return explains;
}
