// Runs every benchmark scenario in sequence (npm run bench): builds the gateway and the sandbox
// first, then overhead, reads (PostgreSQL, then embedded), writes, sync (and at 100k), bulk-delete
// bulk-create, usage, scale, webhooks and sandbox. Each scenario is its own process, writes
// bench/results/<scenario>.json and stops its own processes; a failing one does not stop the rest,
// but makes the exit code 1.  BENCH_ONLY=overhead,reads runs a subset.
'use strict';

const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;

const scenarios = [
  { name: 'overhead', args: ['bench/overhead.bench.js'] },
  { name: 'reads', args: ['bench/reads.bench.js'], minutes: 8.5 },
  { name: 'reads-embedded', args: ['bench/reads.bench.js'], env: { BENCH_DATABASE: 'embedded' } },
  { name: 'writes', args: ['bench/writes.bench.js'] },
  { name: 'sync', args: ['bench/sync.bench.js'], minutes: 8.5 },
  { name: 'sync-100k', args: ['bench/sync.bench.js'], env: { BENCH_SYNC_MODE: '100k' }, minutes: 8.5 },
  { name: 'bulk-delete', args: ['bench/bulk-delete.bench.js'] },
  { name: 'bulk-create', args: ['bench/bulk-create.bench.js'] },
  { name: 'usage', args: ['bench/usage.bench.js'], minutes: 9.5 },
  { name: 'scale', args: ['bench/scale.bench.js'] },
  { name: 'webhooks', args: ['-r', './scripts/ts-register.js', 'bench/webhooks.bench.ts'] },
  { name: 'sandbox', args: ['-r', './scripts/ts-register.js', 'bench/sandbox.bench.ts'] },
].filter((scenario) => !only || only.some((name) => scenario.name.startsWith(name)));

process.stdout.write('[bench] building gateway and sandbox\n');
execFileSync('npx', ['nest', 'build', 'gateway'], { cwd: ROOT, stdio: 'inherit' });
execFileSync('npx', ['nest', 'build', 'sandbox'], { cwd: ROOT, stdio: 'inherit' });

const summary = [];
for (const scenario of scenarios) {
  process.stdout.write(`\n[bench] ===== ${scenario.name} =====\n`);
  const started = Date.now();
  // Each scenario gets 5 minutes (or its own `minutes`; its own limit is shorter); then it is killed.
  const result = spawnSync(process.execPath, scenario.args, {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: (scenario.minutes ?? 5) * 60_000,
    killSignal: 'SIGTERM',
    env: { ...process.env, ...(scenario.env ?? {}), BENCH_BUILD: '0' },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  summary.push({
    name: scenario.name,
    status: result.status === 0 ? 'ok' : `failed (${result.status ?? result.signal})`,
    seconds,
  });
}

// Before/after of every figure against the results committed before the performance round.
spawnSync(process.execPath, ['bench/compare.js'], { cwd: ROOT, stdio: 'inherit' });

process.stdout.write('\n[bench] summary\n');
for (const row of summary)
  process.stdout.write(`  ${row.name.padEnd(14)} ${row.status.padEnd(14)} ${row.seconds} s\n`);
process.exitCode = summary.every((row) => row.status === 'ok') ? 0 : 1;
