/* global fetch, URLSearchParams */
// Scenario 2 — local reads: GET /v1/sub-users with filters and cursor pagination over 100,000 mapped
// sub-users on PostgreSQL. Tenants, API keys and provider accounts are created through the API (so
// the rows are valid); the 100k mappings are inserted directly (multi-row INSERT ... SELECT unnest),
// with realistic snapshots and metadata. Each query shape: its first page repeated, a walk of
// consecutive pages following nextCursor, and deep pages (the page after row 1,000 / 10,000 / 50,000
// of that shape: a cursor in the API's own format built from the row at that position, so the
// deep page is reached without walking to it). Target: p99 < 20 ms per page.
//   npm run bench:reads        (BENCH_ROWS=100000 BENCH_REPEATS=20 BENCH_WALK_PAGES=20 BENCH_DEEP_REPEATS=10)
// Shapes that miss the target get an EXPLAIN ANALYZE of the equivalent SQL in the results file.
'use strict';

const crypto = require('node:crypto');
const { Client } = require('pg');
const h = require('./lib/harness');

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const WALK_PAGES = Number(process.env.BENCH_WALK_PAGES ?? 20);
const DEEP_REPEATS = Number(process.env.BENCH_DEEP_REPEATS ?? 10);
const DEPTHS = [1000, 10_000, 50_000];
const TENANTS = 10;
// BENCH_PROPOSED_INDEXES=1: a what-if run with the indexes bench/README.md proposes, created in the
// throwaway database only (prisma/schema.prisma is not touched); results go to reads-proposed-indexes.json.
const PROPOSED = process.env.BENCH_PROPOSED_INDEXES === '1';
const PROPOSED_INDEXES = [
  'CREATE INDEX bench_created_id ON sub_user_mappings (created_at DESC, id DESC)',
  'CREATE INDEX bench_tenant_created_id ON sub_user_mappings (tenant_id, created_at DESC, id DESC)',
  'CREATE INDEX bench_account_created_id ON sub_user_mappings (provider_account_id, created_at DESC, id DESC)',
  'CREATE INDEX bench_provider_created_id ON sub_user_mappings (provider, created_at DESC, id DESC)',
  'CREATE INDEX bench_status_created_id ON sub_user_mappings (status, created_at DESC, id DESC)',
  'CREATE EXTENSION IF NOT EXISTS pg_trgm',
  'CREATE INDEX bench_name_trgm ON sub_user_mappings USING gin (name gin_trgm_ops)',
];
const TARGET_P99_MS = 20;
const PLANS = ['gold', 'silver', 'bronze', 'trial'];
const REGIONS = ['eu', 'us', 'apac'];
const WORDS = ['main', 'backup', 'scraper', 'seo', 'ads', 'retail', 'social', 'travel'];

/** A deterministic pseudo-random generator, so every run inserts the same data. */
function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function statusOf(r) {
  if (r < 0.85) return ['active', 'active'];
  if (r < 0.93) return ['suspended', 'active'];
  if (r < 0.96) return ['deleting', 'active'];
  return ['deleted', 'deleted'];
}

function snapshotOf(provider, providerSubUserId, name, status, createdAt, random) {
  const used = Math.floor(random() * 50 * 1024 ** 3);
  if (provider === 'webshare') {
    return {
      provider,
      providerSubUserId,
      name,
      notes: null,
      status,
      providerStatus: status === 'suspended' ? 'suspended' : 'active',
      traffic: {
        limitBytes: random() < 0.3 ? null : 10 * 1024 ** 3,
        usedBytes: used,
        periodStart: null,
        periodEnd: null,
      },
      maxConcurrency: 100,
      countries: random() < 0.5 ? { US: 10, DE: 5 } : null,
      groupId: null,
      proxyUsername: `${name}-rotate`,
      stats: { requests: Math.floor(random() * 1e6), bandwidth: used },
      isDefault: false,
      createdAt,
      updatedAt: createdAt,
    };
  }
  return {
    provider,
    providerSubUserId,
    name,
    notes: random() < 0.3 ? 'reseller order' : null,
    status,
    providerStatus: status === 'suspended' ? 'Suspended' : status === 'deleting' ? 'Deleting' : 'Active',
    traffic: {
      limitBytes: random() < 0.5 ? null : 5 * 1024 ** 3,
      usedBytes: used,
      periodStart: null,
      periodEnd: null,
    },
    maxConcurrency: null,
    countries: null,
    groupId: random() < 0.2 ? crypto.randomUUID() : null,
    proxyUsername: `user_${providerSubUserId.slice(0, 10)}`,
    stats: null,
    isDefault: false,
    createdAt,
    updatedAt: null,
  };
}

async function insertMappings(databaseUrl, tenants, accounts) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const random = rng(42);
  const now = Date.now();
  const spanMs = 180 * 24 * 3600 * 1000;
  const BATCH = 5000;
  const started = Date.now();
  try {
    for (let offset = 0; offset < ROWS; offset += BATCH) {
      const cols = Array.from({ length: 14 }, () => []);
      for (let i = offset; i < Math.min(ROWS, offset + BATCH); i++) {
        const account = accounts[i % accounts.length];
        const tenant = tenants[Math.floor(random() * tenants.length)];
        const customer = `c-${Math.floor(random() * 5000)}`;
        const name = `${customer}-${WORDS[i % WORDS.length]}-${i}`;
        const [status, lifecycle] = statusOf(random());
        const providerSubUserId =
          account.provider === 'webshare' ? String(1_000_000 + i) : crypto.randomUUID();
        // Newest first roughly follows i; several rows share a millisecond now and then (ties by id).
        const createdAt = new Date(now - Math.floor((i / ROWS) * spanMs) - Math.floor(random() * 5000));
        const snapshot = snapshotOf(
          account.provider,
          providerSubUserId,
          name,
          status,
          createdAt.toISOString(),
          random,
        );
        const metadata = {
          customerId: customer,
          plan: PLANS[Math.floor(random() * PLANS.length)],
          region: REGIONS[i % REGIONS.length],
        };
        const values = [
          crypto.randomUUID(),
          tenant,
          account.id,
          account.provider,
          providerSubUserId,
          lifecycle,
          status,
          name,
          account.provider === 'webshare' && random() < 0.3 ? 'kept by the gateway' : null,
          JSON.stringify(metadata),
          JSON.stringify(snapshot),
          createdAt,
          new Date(createdAt.getTime() + Math.floor(random() * 1e6)),
          new Date(now - Math.floor(random() * 3600_000)),
        ];
        values.forEach((value, c) => cols[c].push(value));
      }
      await client.query(
        `INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, provider_sub_user_id,
           lifecycle, status, name, gateway_notes, metadata, snapshot, created_at, updated_at, synced_at, version)
         SELECT id, tenant_id, provider_account_id, provider, provider_sub_user_id, lifecycle, status, name,
           gateway_notes, metadata::jsonb, snapshot::jsonb, created_at, updated_at, synced_at, 1
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
           $14::timestamptz[])
           AS t(id, tenant_id, provider_account_id, provider, provider_sub_user_id, lifecycle, status, name,
             gateway_notes, metadata, snapshot, created_at, updated_at, synced_at)`,
        cols,
      );
    }
    if (PROPOSED) for (const sql of PROPOSED_INDEXES) await client.query(sql);
    await client.query('ANALYZE sub_user_mappings');
  } finally {
    await client.end();
  }
  return Date.now() - started;
}

async function timedGet(url, key) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const body = await response.json();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return { ms, body };
}

/** The SQL the repository's filters amount to (for EXPLAIN ANALYZE of a shape that misses the target). */
function equivalentSql(shape, ctx, offset = null, after = null) {
  const where = [];
  const params = [];
  const add = (sql, value) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  const q = shape.query;
  const tenantId = shape.auth === 'tenant' ? ctx.tenants[0] : q.tenantId;
  if (tenantId) add('tenant_id = ?', tenantId);
  if (q.provider) add('provider = ?', q.provider);
  if (q.providerAccountId) add('provider_account_id = ?::uuid', q.providerAccountId);
  if (q.status) add('status = ?', q.status);
  else where.push("status <> 'deleted'");
  if (q.q) add('name ILIKE ?', `%${q.q}%`);
  for (const [k, v] of Object.entries(q)) {
    if (k.startsWith('metadata.')) add(`metadata #> '{${k.slice(9)}}' = ?::jsonb`, JSON.stringify(v));
  }
  if (after) {
    // The repository's cursor condition, as Prisma sends it (an OR, not a row comparison).
    params.push(after.c, after.i);
    where.push(
      `(created_at < $${params.length - 1}::timestamptz OR (created_at = $${params.length - 1}::timestamptz AND id < $${params.length}::uuid))`,
    );
  }
  const order = `FROM sub_user_mappings WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC`;
  if (offset !== null) {
    params.push(offset - 1);
    return { sql: `SELECT created_at, id ${order} OFFSET $${params.length} LIMIT 1`, params };
  }
  params.push(Number(q.limit ?? 50) + 1);
  return { sql: `SELECT * ${order} LIMIT $${params.length}`, params };
}

h.runScenario('reads', async () => {
  const database = await h.createDatabase('reads');
  const sandbox = await h.startSandbox({ rateLimits: false });
  const gateway = await h.startGateway({ databaseUrl: database.url });

  const accounts = await h.registerAccounts(gateway.url, sandbox, { webshare: 2, proxyhat: 2 });
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
  h.log(`inserting ${ROWS} mappings over ${TENANTS} tenants and ${accountList.length} accounts`);
  const insertMs = await insertMappings(database.url, tenants, accountList);
  h.log(`inserted in ${insertMs} ms`);

  const shapes = [
    { name: 'tenant, no filter', auth: 'tenant', query: {} },
    { name: 'tenant, status=suspended', auth: 'tenant', query: { status: 'suspended' } },
    { name: 'tenant, provider=webshare', auth: 'tenant', query: { provider: 'webshare' } },
    { name: 'tenant, q=scraper (name contains)', auth: 'tenant', query: { q: 'scraper' } },
    { name: 'tenant, metadata.plan=gold', auth: 'tenant', query: { 'metadata.plan': 'gold' } },
    { name: 'tenant, metadata.customerId=c-42', auth: 'tenant', query: { 'metadata.customerId': 'c-42' } },
    { name: 'admin, all tenants, no filter', auth: 'admin', query: {} },
    {
      name: 'admin, provider=proxyhat, limit=500',
      auth: 'admin',
      query: { provider: 'proxyhat', limit: 500 },
    },
    {
      name: 'admin, providerAccountId + status=active',
      auth: 'admin',
      query: { providerAccountId: accountList[0].id, status: 'active' },
    },
    { name: 'admin, status=deleted', auth: 'admin', query: { status: 'deleted' } },
    {
      name: 'admin, tenantId + metadata.region=eu',
      auth: 'admin',
      query: { tenantId: tenants[1], 'metadata.region': 'eu' },
    },
    { name: 'admin, q=c-123 (name contains)', auth: 'admin', query: { q: 'c-123' } },
  ];

  // Deep cursors: the row at each depth of each shape, encoded the way the API encodes nextCursor.
  const deepCursors = new Map();
  {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const shape of shapes) {
        const cursors = [];
        for (const depth of DEPTHS) {
          const { sql, params } = equivalentSql(shape, { tenants }, depth);
          const { rows } = await client.query(sql, params);
          if (!rows[0]) continue;
          const position = { c: rows[0].created_at.toISOString(), i: rows[0].id };
          cursors.push({ depth, cursor: Buffer.from(JSON.stringify(position)).toString('base64url') });
        }
        deepCursors.set(shape.name, cursors);
      }
    } finally {
      await client.end();
    }
  }

  const results = [];
  for (const shape of shapes) {
    const key = shape.auth === 'tenant' ? tenantKey.key : h.ADMIN_KEY;
    const base = `${gateway.url}/v1/sub-users?${new URLSearchParams(Object.entries(shape.query).map(([k, v]) => [k, String(v)]))}`;
    await timedGet(base, key); // warm
    const first = [];
    let firstItems = 0;
    for (let i = 0; i < REPEATS; i++) {
      const { ms, body } = await timedGet(base, key);
      first.push(ms);
      firstItems = body.items.length;
    }
    const walk = [];
    let cursor = null;
    let rowsWalked = 0;
    for (let page = 0; page < WALK_PAGES; page++) {
      const url = cursor
        ? `${base}${base.endsWith('?') ? '' : '&'}cursor=${encodeURIComponent(cursor)}`
        : base;
      const { ms, body } = await timedGet(url, key);
      walk.push(ms);
      rowsWalked += body.items.length;
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    const deep = [];
    const deepByDepth = {};
    for (const { depth, cursor: deepCursor } of deepCursors.get(shape.name)) {
      const url = `${base}${base.endsWith('?') ? '' : '&'}cursor=${encodeURIComponent(deepCursor)}`;
      const times = [];
      for (let i = 0; i < DEEP_REPEATS; i++) times.push((await timedGet(url, key)).ms);
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

  // EXPLAIN ANALYZE of the equivalent SQL of every shape that missed the target.
  const explains = {};
  const missed = results.filter((row) => !row.meetsTarget);
  if (missed.length) {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const row of missed) {
        const shape = shapes.find((s) => s.name === row.shape);
        const { sql, params } = equivalentSql(shape, { tenants });
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        explains[row.shape] = { sql, params, plan: plan.rows.map((r) => r['QUERY PLAN']) };
        const deepest = deepCursors.get(shape.name).at(-1);
        if (deepest) {
          const after = JSON.parse(Buffer.from(deepest.cursor, 'base64url').toString('utf8'));
          const deepSql = equivalentSql(shape, { tenants }, null, after);
          const deepPlan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${deepSql.sql}`, deepSql.params);
          explains[`${row.shape} (page after row ${deepest.depth})`] = {
            sql: deepSql.sql,
            params: deepSql.params,
            plan: deepPlan.rows.map((r) => r['QUERY PLAN']),
          };
        }
      }
    } finally {
      await client.end();
    }
  }

  const gatewayRssMiB = h.rssMiB(gateway.pid);
  h.printTable(
    `Local reads over ${ROWS} sub-users (ms per page; target p99 < ${TARGET_P99_MS} ms)`,
    results.map((row) => ({
      shape: row.shape,
      'first p50': row.firstPage.p50.toFixed(2),
      'first p99': row.firstPage.p99.toFixed(2),
      pages: row.walk.pages,
      'walk p50': row.walk.p50.toFixed(2),
      'walk p99': row.walk.p99.toFixed(2),
      'deep 10k p50': row.deep[10000]?.p50?.toFixed(2) ?? '-',
      'deep 50k p50': row.deep[50000]?.p50?.toFixed(2) ?? '-',
      'all p99': row.all.p99.toFixed(2),
      'p99/target': h.ratio(row.all.p99, TARGET_P99_MS),
      target: row.meetsTarget ? 'met' : 'MISSED',
    })),
  );
  h.log(`gateway RSS ${gatewayRssMiB} MiB`);
  for (const [shape, explain] of Object.entries(explains)) {
    h.log(`EXPLAIN ANALYZE (${shape}):\n  ${explain.plan.join('\n  ')}`);
  }

  h.writeResults(PROPOSED ? 'reads-proposed-indexes' : 'reads', {
    scenario: PROPOSED ? 'reads-proposed-indexes' : 'reads',
    proposedIndexes: PROPOSED ? PROPOSED_INDEXES : null,
    description: `GET /v1/sub-users (filters, cursor pagination) over ${ROWS} mapped sub-users on PostgreSQL, sequential requests (1 connection)`,
    machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
    settings: {
      rows: ROWS,
      tenants: TENANTS,
      accounts: accountList.length,
      repeats: REPEATS,
      walkPages: WALK_PAGES,
      insertMs,
    },
    targetP99Ms: TARGET_P99_MS,
    shapes: results,
    explains,
    gatewayRssMiB,
  });
  await h.stopProcess(gateway);
  await database.drop();
});
