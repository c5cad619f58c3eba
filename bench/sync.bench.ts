// Issue 6 acceptance: one full sync of 10,000 Webshare sub-users (pages of 100) and 10,000 ProxyHat
// sub-users against the in-process sandbox (rate limits off), started by POST /v1/sync; then a
// second sync of the same, unchanged data (the steady state of a periodic sync).
//   node -r ./scripts/ts-register.js bench/sync.bench.ts                       (embedded database)
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node -r ./scripts/ts-register.js bench/sync.bench.ts
// Env: BENCH_WEBSHARE / BENCH_PROXYHAT (default 10000 each). Writes bench/results/sync.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../test/support/gateway';
import { usingPostgres } from '../test/support/test-database';

const WEBSHARE = Number(process.env.BENCH_WEBSHARE ?? 10_000);
const PROXYHAT = Number(process.env.BENCH_PROXYHAT ?? 10_000);
const RESULTS = join(__dirname, 'results', 'sync.json');
const LATENCY_MS = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 50);
const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

interface Job {
  id: string;
  status: string;
  counts: Record<string, number>;
  results: {
    name: string;
    ok: boolean;
    listed: number;
    adopted: number;
    durationMs: number;
    phasesMs: Record<string, number>;
  }[];
  error: string | null;
  durationMs: number | null;
}

async function runSync(url: string): Promise<{ job: Job; wallMs: number }> {
  const started = Date.now();
  const response = await fetch(`${url}/v1/sync`, { method: 'POST', headers, body: '{}' });
  if (response.status !== 202) throw new Error(`POST /v1/sync answered ${response.status}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${url}/v1/jobs/${id}`, { headers })).json()) as Job;
    if (job.status === 'succeeded' || job.status === 'failed') return { job, wallMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const gateway = await startTestGateway({ ...SANDBOX_ENV, LOG_LEVEL: 'warn' });
  try {
    const { control } = sandboxOf(gateway);
    control.seed({ provider: 'webshare', count: WEBSHARE, labelPrefix: 'bench-ws-' });
    control.seed({ provider: 'proxyhat', count: PROXYHAT, labelPrefix: 'bench-ph-' });
    // Issue 8, scenario 4: every provider call takes 50 ms, as a real provider's would.
    control.configure({ latencyMs: LATENCY_MS, rateLimits: false });
    control.resetCalls();

    const first = await runSync(gateway.url);
    const calls = control.calls();
    const second = await runSync(gateway.url);
    for (const { job } of [first, second]) {
      if (job.status !== 'succeeded') throw new Error(`sync ${job.id} ${job.status}: ${job.error}`);
    }
    // The least time the listings allow: Webshare's first page, then the other pages 4 at a time
    // (the driver's bound); ProxyHat's single call; the accounts are synced one after the other.
    const websharePages = Math.ceil(WEBSHARE / 100);
    const sequentialRoundTrips = 1 + Math.ceil((websharePages - 1) / 4) + 1;
    const lowerBound = {
      sequentialRoundTrips,
      ms: sequentialRoundTrips * LATENCY_MS,
      note: 'Webshare page 1, then the remaining pages 4 at a time, then ProxyHat in one call',
    };
    const database = usingPostgres() ? 'postgresql (local, 127.0.0.1:5432)' : 'embedded (PGlite, in memory)';
    const run = {
      date: new Date().toISOString(),
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      node: process.version,
      database,
      webshare: WEBSHARE,
      proxyhat: PROXYHAT,
      webshareListCalls: calls['webshare.list'] ?? 0,
      proxyhatListCalls: calls['proxyhat.list'] ?? 0,
      providerLatencyMs: LATENCY_MS,
      lowerBound,
      durationMs: first.job.durationMs,
      wallMs: first.wallMs,
      wallOverLowerBound: Math.round((first.wallMs / lowerBound.ms) * 100) / 100,
      counts: first.job.counts,
      perAccount: first.job.results.map((result) => ({
        name: result.name,
        listed: result.listed,
        adopted: result.adopted,
        durationMs: result.durationMs,
        phasesMs: result.phasesMs,
      })),
      unchangedResync: {
        durationMs: second.job.durationMs,
        counts: second.job.counts,
        perAccount: second.job.results.map((result) => ({
          name: result.name,
          durationMs: result.durationMs,
          phasesMs: result.phasesMs,
        })),
      },
    };
    console.log(
      `sync of ${WEBSHARE} Webshare + ${PROXYHAT} ProxyHat sub-users on ${database}: ` +
        `${first.job.durationMs} ms (job), ${first.wallMs} ms (POST to done); ` +
        `unchanged re-sync ${second.job.durationMs} ms; provider latency ${LATENCY_MS} ms, lower bound ` +
        `${lowerBound.ms} ms (${sequentialRoundTrips} sequential round trips), wall/lower bound ${run.wallOverLowerBound}`,
    );
    for (const account of run.perAccount)
      console.log(`  ${account.name}: ${account.durationMs} ms ${JSON.stringify(account.phasesMs)}`);
    for (const account of run.unchangedResync.perAccount)
      console.log(`  re-sync ${account.name}: ${account.durationMs} ms ${JSON.stringify(account.phasesMs)}`);

    // One file; each database's latest run is kept under byDatabase, the top level is this run.
    const previous = existsSync(RESULTS)
      ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { byDatabase?: Record<string, unknown> })
      : {};
    const key = usingPostgres() ? 'postgresql' : 'embedded';
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          scenario: 'sync',
          description:
            'POST /v1/sync of every account with 50 ms provider latency: 10,000 Webshare sub-users (pages of 100, 4 at a time) and 10,000 ProxyHat sub-users (one call), all adopted; then an unchanged re-sync',
          ...run,
          byDatabase: { ...(previous.byDatabase ?? {}), [key]: run },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await gateway.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
