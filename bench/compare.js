// Before/after of the recorded benchmark figures: the results as committed at BENCH_BASELINE (the
// commit before the performance round; `git show <commit>:bench/results/<scenario>.json`) against
// bench/results/*.json as they are now. Prints a table per scenario and writes
// bench/results/comparison.json. Run by `npm run bench` at the end; alone: node bench/compare.js.
// A figure the earlier results lack (a new scenario or measure) shows as "-" before.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const BASELINE = process.env.BENCH_BASELINE ?? 'de3d5a5';

function before(scenario) {
  try {
    return JSON.parse(
      execFileSync('git', ['show', `${BASELINE}:bench/results/${scenario}.json`], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    );
  } catch {
    return null;
  }
}

function after(scenario) {
  const file = path.join(ROOT, 'bench', 'results', `${scenario}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

const get = (object, ...keys) =>
  keys.reduce((value, key) => (value == null ? undefined : value[key]), object);
const round = (value) => (typeof value === 'number' ? Math.round(value * 100) / 100 : value);

/** [figure, before, after, better when] rows of one scenario. */
const SCENARIOS = {
  overhead: (b, a) => {
    const at = (r, c) => r?.comparison?.find((row) => row.connections === c);
    return [
      ['added mean ms, 1 connection', at(b, 1)?.gatewayAddedMeanMs, at(a, 1)?.gatewayAddedMeanMs, 'lower'],
      [
        'gateway/bare-proxy req/s, 16 connections',
        at(b, 16)?.gatewayRpsOverBareProxy,
        at(a, 16)?.gatewayRpsOverBareProxy,
        'higher',
      ],
      [
        'gateway cpu ms per fresh read, 16 connections',
        at(b, 16)?.gatewayCpuMsPerRequest,
        at(a, 16)?.gatewayCpuMsPerRequest,
        'lower',
      ],
      [
        'SQL commits per fresh read',
        at(b, 16)?.gatewayDbCommitsPerRequest,
        at(a, 16)?.gatewayDbCommitsPerRequest,
        'lower',
      ],
      [
        'load average at the end of the run',
        get(b, 'machine', 'loadAverage1m'),
        get(a, 'machine', 'loadAverage1m'),
        '-',
      ],
    ];
  },
  writes: (b, a) => {
    const rows = [];
    for (const row of a?.comparison ?? []) {
      const old = b?.comparison?.find(
        (o) => o.provider === row.provider && o.connections === row.connections,
      );
      const label = `${row.provider} at ${row.connections}`;
      rows.push([`${label}: creates/s`, old?.gatewayCreatesPerSecond, row.gatewayCreatesPerSecond, 'higher']);
      rows.push([`${label}: gateway/direct`, old?.gatewayOverDirect, row.gatewayOverDirect, 'higher']);
      rows.push([
        `${label}: gateway cpu ms/create`,
        old?.gatewayCpuMsPerCreate,
        row.gatewayCpuMsPerCreate,
        'lower',
      ]);
    }
    rows.push(['load average', get(b, 'machine', 'loadAverage1m'), get(a, 'machine', 'loadAverage1m'), '-']);
    return rows;
  },
  reads: (b, a) => {
    const rows = [[`rows (before, after)`, get(b, 'settings', 'rows'), get(a, 'settings', 'rows'), '-']];
    for (const shape of a?.shapes ?? []) {
      const old = b?.shapes?.find((o) => o.shape === shape.shape);
      rows.push([`${shape.shape}: p99 ms`, old?.all?.p99, shape.all?.p99, 'lower']);
    }
    rows.push(['GET by id / Fastify + pg req/s', undefined, get(a, 'getById', 'ratio'), 'higher']);
    return rows;
  },
  'reads-embedded': (b, a) =>
    (a?.shapes ?? []).map((shape) => [
      `${shape.shape}: p99 ms (embedded)`,
      undefined,
      shape.all?.p99,
      'lower',
    ]),
  sync: (b, a) => {
    const rows = [];
    for (const [key, kind] of [
      ['postgresql', 'postgres'],
      ['embedded', 'embedded'],
    ]) {
      const old = get(b, 'byDatabase', key);
      const run = a?.runs?.find((r) => r.database === kind && !r.rateLimited);
      const limited = a?.runs?.find((r) => r.database === kind && r.rateLimited);
      rows.push([`${kind}: wall ms, 10k + 10k`, old?.wallMs, run?.first?.wallMs, 'lower']);
      rows.push([
        `${kind}: wall / lower bound`,
        old?.wallOverLowerBound,
        run && h(run.first.wallMs, a.lowerBound.ms),
        'lower',
      ]);
      rows.push([
        `${kind}: unchanged re-sync ms`,
        old?.unchangedResync?.durationMs,
        run?.unchangedResync?.wallMs,
        'lower',
      ]);
      rows.push([
        `${kind}: rate limits on, wall / minimum`,
        undefined,
        limited && h(limited.first.wallMs, a.lowerBound.rateLimited.ms),
        'lower',
      ]);
    }
    return rows;
  },
  'sync-100k': (b, a) =>
    (a?.runs ?? []).map((run) => [
      `${run.database}: 100k wall ms (peak RSS MiB ${run.first.memory.peakDuringMiB})`,
      undefined,
      run.first.wallMs,
      'lower',
    ]),
  'bulk-delete': (b, a) => [
    [
      'wall / minimum',
      b?.ratio ?? get(b, 'comparison', 'ratio'),
      a?.ratio ?? get(a, 'comparison', 'ratio'),
      'lower',
    ],
  ],
  'bulk-create': (b, a) => [['wall / minimum', undefined, a?.ratio, 'lower']],
  usage: (b, a) => [
    ['series p99 ms', undefined, get(a, 'series', 'p99'), 'lower'],
    ['month by tenant p99 ms', undefined, get(a, 'monthByTenant', 'p99'), 'lower'],
    ['year export RSS growth MiB', undefined, get(a, 'export', 'rss', 'growthMiB'), 'lower'],
    ['sampling pass / minimum', undefined, get(a, 'sampling', 'ratio'), 'lower'],
  ],
  scale: (b, a) => [
    ['creates: two replicas / one', undefined, get(a, 'summary', 0, 'two/one'), 'higher'],
    ['reads: two replicas / one', undefined, get(a, 'summary', 1, 'two/one'), 'higher'],
  ],
};

function h(value, bound) {
  return bound ? Math.round((value / bound) * 100) / 100 : undefined;
}

const out = {};
for (const [scenario, rowsOf] of Object.entries(SCENARIOS)) {
  const b = before(scenario);
  const a = after(scenario);
  if (!a) continue;
  const rows = rowsOf(b, a).map(([figure, old, now, better]) => {
    let change = '-';
    if (typeof old === 'number' && typeof now === 'number' && better !== '-') {
      if (now === old) change = 'same';
      else change = (better === 'lower' ? now < old : now > old) ? 'better' : 'worse';
    }
    return { figure, before: round(old) ?? '-', after: round(now) ?? '-', change };
  });
  out[scenario] = { measuredAfter: get(a, 'machine', 'date'), rows };
  process.stdout.write(`\n${scenario} (before: ${BASELINE}; after: ${get(a, 'machine', 'date') ?? '?'})\n`);
  for (const row of rows) {
    process.stdout.write(
      `  ${row.figure.padEnd(56)} ${String(row.before).padStart(10)} -> ${String(row.after).padStart(10)}  ${row.change}\n`,
    );
  }
}
fs.writeFileSync(
  path.join(ROOT, 'bench', 'results', 'comparison.json'),
  `${JSON.stringify({ baseline: BASELINE, generated: new Date().toISOString(), scenarios: out }, null, 2)}\n`,
);
