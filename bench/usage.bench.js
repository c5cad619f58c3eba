/* global fetch */
// Scenario — usage over time on PostgreSQL (usage_buckets, UsageRepository): 10,000 sub-users (one
// Webshare account, adopted by a sync, spread over 10 tenants) with 365 days of daily buckets, and 90
// days of hourly buckets for 1,000 of them (3.65 M + 2.16 M rows, generated inside the database, and
// each month as the sum of its days, as the ledger keeps it).
//   - a sub-user's series (GET /v1/sub-users/:id/usage, a year of days), 200 sub-users: p99 < 20 ms
//   - a month's roll-up by tenant (GET /v1/usage?groupBy=tenant&granularity=month), x20: p99 < 200 ms
//   - a full-year CSV export by sub-user and day (Accept: text/csv, 3.65 M rows), streamed: the
//     gateway's RSS sampled every 100 ms (growth recorded; flat memory, the target, means the peak
//     over the second half of the rows is within 5% of the peak over the first half)
//   - a sampling pass (a sync of every account, as the usage sampler starts it) over the 10,000 with
//     traffic added to each at the provider, the providers' real rate limits on: <= 1.1 x the
//     minimum the limits allow (100 Webshare list calls: the limiter's 40 at once, then 4 a second).
//   npm run bench:usage     (BENCH_SUBUSERS=10000 BENCH_DAYS=365 BENCH_HOURLY_SUBUSERS=1000 BENCH_HOURLY_DAYS=90)
'use strict';

const fs = require('node:fs');
const { Client } = require('pg');
const h = require('./lib/harness');

const SUBUSERS = Number(process.env.BENCH_SUBUSERS ?? 10_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const HOURLY_SUBUSERS = Number(process.env.BENCH_HOURLY_SUBUSERS ?? 1_000);
const HOURLY_DAYS = Number(process.env.BENCH_HOURLY_DAYS ?? 90);
const TENANTS = 10;
const LATENCY_MS = 50;
const PER_MINUTE = 240;

function vmRssMiB(pid) {
  const match = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
}

async function timed(url, headers = {}) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { authorization: `Bearer ${h.ADMIN_KEY}`, ...headers } });
  const body = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return { ms, body };
}

async function waitForJob(gateway, id) {
  for (;;) {
    const { body: job } = await h.api(gateway.url, 'GET', `/v1/jobs/${id}`, { expect: [200] });
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    await h.sleep(100);
  }
}

h.runScenario(
  'usage',
  async () => {
    const database = await h.createDatabase('usage');
    const sandbox = await h.startSandbox({ rateLimits: false, latencyMs: 0 });
    let gateway = await h.startGateway({ databaseUrl: database.url });
    const accounts = await h.registerAccounts(gateway.url, sandbox, { webshare: 1, proxyhat: 0 });
    await h.api(sandbox.url, 'POST', '/__sandbox/seed', {
      key: null,
      body: { provider: 'webshare', count: SUBUSERS, labelPrefix: 'usage-' },
      expect: [200, 201],
    });
    h.log(`setup: adopting ${SUBUSERS} sub-users by a sync`);
    const { body: adoption } = await h.api(gateway.url, 'POST', '/v1/sync', { body: {}, expect: [202] });
    await waitForJob(gateway, adoption.id);
    const tenants = [];
    for (let i = 0; i < TENANTS; i++) {
      const { body } = await h.api(gateway.url, 'POST', '/v1/tenants', {
        body: { name: `usage-${i}` },
        expect: [201],
      });
      tenants.push(body.id);
    }

    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined); // the database is dropped at the end, under any straggler
    await client.connect();
    // Setup only: the adopted sub-users spread over the tenants, then their buckets.
    await client.query(
      `UPDATE sub_user_mappings SET tenant_id = ($1::text[])[(1 + abs(hashtext(id::text)::bigint) % cardinality($1::text[]))::int]
      WHERE provider_account_id = $2::uuid`,
      [tenants, accounts.webshare[0].id],
    );
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const seedStarted = Date.now();
    const step = 30;
    for (let start = 0; start < DAYS; start += step) {
      await client.query(
        `INSERT INTO usage_buckets (sub_user_id, granularity, period_start, used_bytes, tenant_id, provider, provider_account_id)
       SELECT m.id, 'day', $1::timestamptz - make_interval(days => d), abs(hashint8(d::bigint * 7919 + hashtext(m.id::text))::bigint) % 500000000,
              m.tenant_id, m.provider, m.provider_account_id
         FROM sub_user_mappings m, generate_series($2::int, $3::int - 1) AS d
        WHERE m.lifecycle = 'active'`,
        [today.toISOString(), start, Math.min(DAYS, start + step)],
      );
    }
    // Each month's row, as the ledger keeps it beside the days it observes: the sum of those days.
    await client.query(
      `INSERT INTO usage_buckets (sub_user_id, granularity, period_start, used_bytes, tenant_id, provider, provider_account_id)
       SELECT sub_user_id, 'month', date_trunc('month', period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
              sum(used_bytes), min(tenant_id), min(provider), min(provider_account_id::text)::uuid
         FROM usage_buckets WHERE granularity = 'day' GROUP BY 1, 3`,
    );
    const hourStart = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours()),
    );
    for (let start = 0; start < HOURLY_DAYS * 24; start += 24 * 15) {
      await client.query(
        `INSERT INTO usage_buckets (sub_user_id, granularity, period_start, used_bytes, tenant_id, provider, provider_account_id)
       SELECT m.id, 'hour', $1::timestamptz - make_interval(hours => k), abs(hashint8(k::bigint * 104729 + hashtext(m.id::text))::bigint) % 30000000,
              m.tenant_id, m.provider, m.provider_account_id
         FROM (SELECT * FROM sub_user_mappings WHERE lifecycle = 'active' ORDER BY id LIMIT $4) m,
              generate_series($2::int, $3::int - 1) AS k`,
        [hourStart.toISOString(), start, Math.min(HOURLY_DAYS * 24, start + 24 * 15), HOURLY_SUBUSERS],
      );
    }
    // What autovacuum does to settled rows (inserts trigger it since PostgreSQL 13): statistics, and
    // the visibility map that lets a series be read from the index alone.
    await client.query('VACUUM ANALYZE usage_buckets');
    // The seeding's gigabytes flushed before anything is timed (reads are measured, not the load).
    await client.query('CHECKPOINT');
    const bucketCounts = (
      await client.query(`SELECT granularity, count(*)::int AS rows FROM usage_buckets GROUP BY 1 ORDER BY 1`)
    ).rows;
    const seedMs = Date.now() - seedStarted;
    const ids = (
      await client.query(
        `SELECT id FROM sub_user_mappings WHERE lifecycle = 'active' ORDER BY md5(id::text) LIMIT 220`,
      )
    ).rows.map((row) => row.id);
    h.log(`buckets: ${JSON.stringify(bucketCounts)} in ${seedMs} ms`);

    const yearAgo = new Date(today.getTime() - DAYS * 86_400_000).toISOString();
    const tomorrow = new Date(today.getTime() + 86_400_000).toISOString();
    // A sub-user's year of days.
    // Warm-up on 20 other sub-users: a fresh process's first requests of a route pay for compiling
    // it and for each connection's first look at the table (measured: the first ~10 at 13-90 ms).
    const warmUp = ids.splice(0, 20);
    for (const id of warmUp)
      await timed(`${gateway.url}/v1/sub-users/${id}/usage?granularity=day&from=${yearAgo}&to=${tomorrow}`);
    const series = [];
    let points = 0;
    for (const id of ids) {
      const { ms, body } = await timed(
        `${gateway.url}/v1/sub-users/${id}/usage?granularity=day&from=${yearAgo}&to=${tomorrow}`,
      );
      series.push(ms);
      points = JSON.parse(body).items.length;
    }
    // The last full calendar month, by tenant.
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString();
    const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const rollupUrl = `${gateway.url}/v1/usage?groupBy=tenant&granularity=month&from=${monthStart}&to=${monthEnd}`;
    await timed(rollupUrl);
    const rollup = [];
    let groups = 0;
    for (let i = 0; i < 20; i++) {
      const { ms, body } = await timed(rollupUrl);
      rollup.push(ms);
      groups = JSON.parse(body).items.length;
    }
    // The year by sub-user and day as CSV, streamed; the gateway's RSS sampled meanwhile.
    // Flat memory means RSS stops growing once the export is under way, however long it runs:
    // the peak in each tenth of the rows is recorded, and the second half compared to the first.
    const expectedRows = bucketCounts.find((row) => row.granularity === 'day').rows;
    const rssBefore = vmRssMiB(gateway.pid);
    let rssPeak = rssBefore;
    const peakByTenth = new Array(10).fill(0);
    let bytes = 0;
    let lines = 0;
    const sampler = setInterval(() => {
      const rss = vmRssMiB(gateway.pid) ?? 0;
      rssPeak = Math.max(rssPeak, rss);
      const tenth = Math.min(9, Math.floor((10 * lines) / expectedRows));
      peakByTenth[tenth] = Math.max(peakByTenth[tenth], rss);
    }, 100);
    const cpuBefore = h.cpuMs(gateway.pid);
    const exportStarted = Date.now();
    const response = await fetch(
      `${gateway.url}/v1/usage?groupBy=subUser&granularity=day&from=${yearAgo}&to=${tomorrow}`,
      { headers: { authorization: `Bearer ${h.ADMIN_KEY}`, accept: 'text/csv' } },
    );
    for await (const chunk of response.body) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
    clearInterval(sampler);
    const exportResult = {
      status: response.status,
      seconds: h.round2((Date.now() - exportStarted) / 1000),
      rows: lines - 1,
      megabytes: h.round2(bytes / 1024 / 1024),
      gatewayCpuSeconds: h.round2((h.cpuMs(gateway.pid) - cpuBefore) / 1000),
      rss: {
        beforeMiB: rssBefore,
        peakMiB: rssPeak,
        afterMiB: vmRssMiB(gateway.pid),
        growthMiB: h.round2(rssPeak - rssBefore),
        peakByTenthMiB: peakByTenth,
        firstHalfPeakMiB: Math.max(...peakByTenth.slice(0, 5)),
        secondHalfPeakMiB: Math.max(...peakByTenth.slice(5)),
      },
    };
    h.log(`export: ${JSON.stringify(exportResult)}`);

    // The sampling pass with the providers' real rate limits: traffic at the provider for every sub-user.
    await h.stopProcess(gateway);
    gateway = await h.startGateway({ databaseUrl: database.url, env: { UPSTREAM_RATE_LIMIT: 'true' } });
    const providerIds = (
      await client.query(
        `SELECT provider_sub_user_id AS id FROM sub_user_mappings WHERE lifecycle = 'active'`,
      )
    ).rows.map((row) => row.id);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < providerIds.length) {
          const id = providerIds[next++];
          await h.api(sandbox.url, 'POST', '/__sandbox/traffic', {
            key: null,
            body: { provider: 'webshare', subUserId: Number(id), bytes: 1_000_000 },
            expect: [200, 201],
          });
        }
      }),
    );
    await h.api(sandbox.url, 'PATCH', '/__sandbox/config', {
      key: null,
      body: { latencyMs: LATENCY_MS, rateLimits: { webshare: { enabled: true, perMinute: PER_MINUTE } } },
      expect: [200],
    });
    const pages = Math.ceil(SUBUSERS / 100);
    const burst = Math.ceil(PER_MINUTE / 6);
    const minimumMs = Math.round((Math.max(0, pages - burst) / (PER_MINUTE / 60)) * 1000 + LATENCY_MS);
    const passStarted = Date.now();
    const { body: pass } = await h.api(gateway.url, 'POST', '/v1/sync', { body: {}, expect: [202] });
    const passJob = await waitForJob(gateway, pass.id);
    const passMs = Date.now() - passStarted;
    const bucketsAfter = Number(
      (await client.query(`SELECT count(*) FROM usage_buckets WHERE period_start >= $1`, [hourStart])).rows[0]
        .count,
    );
    await client.end();
    const sampling = {
      wallMs: passMs,
      minimumMs,
      evenlyPacedMs: Math.round(((pages - 1) / (PER_MINUTE / 60)) * 1000 + LATENCY_MS),
      ratio: h.ratio(passMs, minimumMs),
      target: '<= 1.1',
      job: {
        status: passJob.status,
        counts: passJob.counts,
        perAccount: passJob.results.map((r) => ({
          name: r.name,
          durationMs: r.durationMs,
          phasesMs: r.phasesMs,
        })),
      },
      bucketsInCurrentHourOrLater: bucketsAfter,
    };

    const seriesSummary = h.summarize(series);
    const rollupSummary = h.summarize(rollup);
    const summary = [
      {
        measure: `series (${points} days), 200 sub-users`,
        p50: seriesSummary.p50,
        p99: seriesSummary.p99,
        target: 'p99 < 20 ms',
        met: seriesSummary.p99 < 20,
      },
      {
        measure: `month by tenant (${groups} rows), x20`,
        p50: rollupSummary.p50,
        p99: rollupSummary.p99,
        target: 'p99 < 200 ms',
        met: rollupSummary.p99 < 200,
      },
      {
        measure: `year CSV export (${exportResult.rows} rows, ${exportResult.megabytes} MB)`,
        p50: `${exportResult.seconds} s`,
        p99: '-',
        target: `flat memory: +${exportResult.rss.growthMiB} MiB, 2nd half peak ${exportResult.rss.secondHalfPeakMiB} vs 1st ${exportResult.rss.firstHalfPeakMiB} MiB`,
        met: exportResult.rss.secondHalfPeakMiB <= exportResult.rss.firstHalfPeakMiB * 1.05,
      },
      {
        measure: `sampling pass over ${SUBUSERS}, limits on`,
        p50: `${passMs} ms`,
        p99: `min ${minimumMs} ms`,
        target: '<= 1.1 x',
        met: sampling.ratio <= 1.1,
      },
    ];
    h.printTable('Usage over time', summary);
    h.writeResults('usage', {
      scenario: 'usage',
      description: `${SUBUSERS} sub-users x ${DAYS} days of daily buckets and ${HOURLY_DAYS} days of hourly buckets for ${HOURLY_SUBUSERS} on PostgreSQL: a sub-user's series, a month's roll-up by tenant, a year's CSV export by sub-user (streamed), and a sampling pass with real rate limits`,
      machine: h.machine('postgresql (local, 127.0.0.1:5432)'),
      settings: {
        subUsers: SUBUSERS,
        days: DAYS,
        hourlySubUsers: HOURLY_SUBUSERS,
        hourlyDays: HOURLY_DAYS,
        tenants: TENANTS,
        seedMs,
        bucketCounts,
      },
      series: { ...seriesSummary, points },
      monthByTenant: { ...rollupSummary, groups },
      export: exportResult,
      sampling,
      summary,
    });
    await h.stopProcess(gateway);
    await database.drop();
  },
  // 5.8 million bucket rows to generate and 3.65 million to export: 9 minutes.
  { timeLimitMs: 540_000 },
);
