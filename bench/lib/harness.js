/* global fetch, AbortSignal, URL */
// Shared helpers of the benchmark scenarios: build, start/stop pinned processes, throwaway
// PostgreSQL databases, HTTP calls, autocannon runs with sub-millisecond latencies, results files.
// Everything talks to 127.0.0.1 only, and every process started here is killed on exit or failure.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, execFileSync } = require('node:child_process');
const autocannon = require('autocannon');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const GATEWAY_MAIN = path.join(ROOT, 'dist/apps/gateway/apps/gateway/src/main.js');
const SANDBOX_MAIN = path.join(ROOT, 'dist/apps/sandbox/main.js');
const BARE_PROXY = path.join(ROOT, 'bench/lib/bare-proxy.js');
const BASELINE_PG = path.join(ROOT, 'bench/lib/baseline-pg.js');
// BENCH_FROM_SOURCE=1: run the gateway and the sandbox from the TypeScript sources (transpiled on
// load by scripts/ts-register.js) instead of dist/, e.g. to profile a change without a build.
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1';
const TS_REGISTER = ['-r', path.join(ROOT, 'scripts/ts-register.js')];
// Node flags for the gateway process, to compare runtime settings (e.g. '--max-semi-space-size=32');
// none by default, as the Dockerfile and npm start run it. Recorded in each result's machine.
const GATEWAY_NODE_FLAGS = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const GATEWAY_ARGS = [
  ...GATEWAY_NODE_FLAGS,
  ...(FROM_SOURCE ? [...TS_REGISTER, path.join(ROOT, 'apps/gateway/src/main.ts')] : [GATEWAY_MAIN]),
];
const SANDBOX_ARGS = FROM_SOURCE
  ? [...TS_REGISTER, path.join(ROOT, 'apps/sandbox/src/main.ts')]
  : [SANDBOX_MAIN];
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Cores: the gateway (and the bare proxy) on one, the sandbox and the load generator on the other. */
const GATEWAY_CORE = 0;
const LOAD_CORE = 1;
const PINNING = `gateway and bare proxy on core ${GATEWAY_CORE}; sandbox and load generator (this script) on core ${LOAD_CORE} (taskset)`;

const ADMIN_KEY = 'sgw_bench_admin_key_' + crypto.randomBytes(12).toString('hex');
const ENCRYPTION_KEYS = 'bench1:' + crypto.randomBytes(32).toString('base64');
const WEBSHARE_KEY = 'ws-bench-key';
const PROXYHAT_KEY = 'ph-bench-key';

const children = new Set();
const cleanups = [];

function log(message) {
  process.stdout.write(`[bench] ${message}\n`);
}

/** Builds the gateway and the sandbox when their dist files are missing (or always, with force). */
function ensureBuilt(force = false) {
  if (FROM_SOURCE) return;
  for (const [project, file] of [
    ['gateway', GATEWAY_MAIN],
    ['sandbox', SANDBOX_MAIN],
  ]) {
    if (!force && fs.existsSync(file)) continue;
    log(`building ${project}`);
    execFileSync('npx', ['nest', 'build', project], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** Pins this process (every thread) to the load core, so autocannon does not steal the gateway's core. */
function pinSelf(core = LOAD_CORE) {
  execFileSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `node <args>` pinned to `core` and waits until `readyUrl` answers (any HTTP status).
 * taskset execs node, so child.pid is node's pid (used for /proc/<pid>/status).
 */
async function startProcess(
  name,
  { core, args, env = {}, readyUrl, timeoutMs = 60_000, command = process.execPath, ready },
) {
  const logFile = path.join(os.tmpdir(), `bench-${name}-${process.pid}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn('taskset', ['-c', String(core), command, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const proc = { name, child, pid: child.pid, logFile, exited: false };
  children.add(proc);
  child.on('exit', () => {
    proc.exited = true;
    children.delete(proc);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited) throw new Error(`${name} exited during start:\n${tail(logFile)}`);
    try {
      if (ready) {
        if (await ready()) return proc;
        throw new Error('not ready');
      }
      await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      return proc;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not answer ${readyUrl}:\n${tail(logFile)}`);
      await sleep(100);
    }
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function stopProcess(proc, timeoutMs = 8000) {
  if (!proc || proc.exited) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  // A profiled process writes its .cpuprofile as it exits: minutes of samples take a while.
  const grace = proc.profiled ? Math.max(timeoutMs, 120_000) : timeoutMs;
  const timer = setTimeout(() => !proc.exited && proc.child.kill('SIGKILL'), grace);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status). */
function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in ms (from /proc/<pid>/stat). */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), counted from after the name)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * CPU ms of every PostgreSQL process (the server, its background workers, one backend per
 * connection) by pid: what the local server's work costs, on the cores it shares with the rest.
 */
function postgresCpu() {
  const byPid = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      byPid.set(entry, cpuMs(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return byPid;
}

/** PostgreSQL's CPU ms since `before` (postgresCpu()); a backend that ended meanwhile is not counted. */
function postgresCpuSince(before) {
  let total = 0;
  for (const [pid, ms] of postgresCpu()) total += ms - (before.get(pid) ?? 0);
  return Math.round(total);
}

async function startSandbox({
  rateLimits = false,
  latencyMs = 0,
  port,
  webshareKeys = [WEBSHARE_KEY],
  proxyhatKeys = [PROXYHAT_KEY],
} = {}) {
  port = port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess('sandbox', {
    core: LOAD_CORE,
    args: SANDBOX_ARGS,
    env: {
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_RATE_LIMITS: rateLimits ? 'on' : 'off',
      SANDBOX_LATENCY_MS: String(latencyMs),
      SANDBOX_JITTER_MS: '0',
      SANDBOX_WEBSHARE_KEYS: webshareKeys.join(','),
      SANDBOX_PROXYHAT_KEYS: proxyhatKeys.join(','),
      SANDBOX_LOGGER: '0',
    },
    readyUrl: `${url}/__sandbox/config`,
  });
  return { ...proc, url, webshareBaseUrl: `${url}/webshare`, proxyhatBaseUrl: `${url}/proxyhat/v1` };
}

/**
 * The built gateway in production mode on PostgreSQL, or (databaseUrl `pglite:<dir>`, from
 * createEmbeddedDatabase) on the embedded database, which production refuses: then in development
 * mode with the same settings. Extra env overrides (e.g. UPSTREAM_RATE_LIMIT).
 */
async function startGateway({
  databaseUrl,
  env = {},
  port,
  cpuProfDir,
  name = 'gateway',
  core = GATEWAY_CORE,
} = {}) {
  port = port ?? (await freePort());
  const embedded = databaseUrl.startsWith('pglite:');
  const url = `http://127.0.0.1:${port}`;
  const args = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, ...GATEWAY_ARGS] : GATEWAY_ARGS;
  const proc = await startProcess(name, {
    core,
    args,
    env: {
      NODE_ENV: embedded ? 'development' : 'production',
      USAGE_SAMPLE_INTERVAL_SECONDS: '0',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      ENCRYPTION_KEYS,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      SANDBOX: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      SYNC_INTERVAL_SECONDS: '0',
      UPSTREAM_RATE_LIMIT: 'false',
      // The sandbox is on loopback, which the provider URL policy refuses unless allowed.
      PROVIDER_HOST_ALLOWLIST: '127.0.0.1',
      ...env,
    },
    readyUrl: `${url}/health/live`,
  });
  await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 30_000, 'gateway ready');
  return { ...proc, url, profiled: Boolean(cpuProfDir) };
}

async function startBareProxy(upstream, { port } = {}) {
  port = port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess('bare-proxy', {
    core: GATEWAY_CORE,
    args: [BARE_PROXY],
    env: { BARE_PROXY_PORT: String(port), BARE_PROXY_UPSTREAM: upstream },
    readyUrl: `${url}/__bare-proxy/health`,
  });
  return { ...proc, url };
}

/** A throwaway Redis on loopback (no persistence), for replicas that share limits and revocations. */
async function startRedis({ port, core = LOAD_CORE } = {}) {
  port = port ?? (await freePort());
  const proc = await startProcess('redis', {
    core,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ready: () =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
  });
  return { ...proc, url: `redis://127.0.0.1:${port}` };
}

/** Fastify + pg reading one sub-user by primary key with the same key check (bench/lib/baseline-pg.js). */
async function startBaseline(databaseUrl, { port } = {}) {
  port = port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess('baseline-pg', {
    core: GATEWAY_CORE,
    args: [BASELINE_PG],
    env: { BASELINE_PORT: String(port), BASELINE_DATABASE_URL: databaseUrl },
    readyUrl: `${url}/__baseline/health`,
  });
  return { ...proc, url };
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A throwaway PostgreSQL database, dropped by cleanup() (also on failure). */
async function createDatabase(scenario) {
  const name = `bench_${scenario.replace(/\W/g, '_')}_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const database = {
    name,
    url: url.toString(),
    dropped: false,
    async drop() {
      if (database.dropped) return;
      database.dropped = true;
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
  cleanups.push(() => database.drop());
  return database;
}

/** An embedded (PGlite) database in a temporary folder, removed by cleanup() (also on failure). */
function createEmbeddedDatabase(scenario) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${scenario.replace(/\W/g, '_')}-`));
  const database = {
    name: dir,
    dir,
    url: `pglite:${dir}`,
    dropped: false,
    async drop() {
      if (database.dropped) return;
      database.dropped = true;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  cleanups.push(() => database.drop());
  return database;
}

/** Opens an embedded database's folder in this process (the gateway using it must be stopped). */
async function openEmbedded(dir) {
  const { PGlite } = require('@electric-sql/pglite');
  const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');
  const pglite = new PGlite({ dataDir: dir, extensions: { pg_trgm } });
  await pglite.waitReady;
  return pglite;
}

/** One JSON call; throws on a status outside `expect`. */
async function api(baseUrl, method, pathname, { key = ADMIN_KEY, body, headers = {}, expect } = {}) {
  const response = await fetch(baseUrl + pathname, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  if (expect && !expect.includes(response.status)) {
    throw new Error(`${method} ${pathname} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

async function registerAccounts(gatewayUrl, sandbox, { webshare = 1, proxyhat = 1 } = {}) {
  const accounts = { webshare: [], proxyhat: [] };
  for (const [provider, count, apiKey, baseUrl] of [
    ['webshare', webshare, WEBSHARE_KEY, sandbox.webshareBaseUrl],
    ['proxyhat', proxyhat, PROXYHAT_KEY, sandbox.proxyhatBaseUrl],
  ]) {
    for (let i = 0; i < count; i++) {
      const { body } = await api(gatewayUrl, 'POST', '/v1/provider-accounts', {
        body: { provider, name: `${provider}-bench-${i + 1}`, apiKey, baseUrl, isDefault: i === 0 },
        expect: [201],
      });
      accounts[provider].push(body);
    }
  }
  return accounts;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Summary of latencies in ms (floats), rounded to 0.01 ms. */
function summarize(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  const r = (value) => (value === null ? null : Math.round(value * 100) / 100);
  return {
    count: sorted.length,
    mean: r(sorted.length ? sum / sorted.length : null),
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

function runCannon(options) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    let non2xx = 0;
    const instance = autocannon({ ...options, renderProgressBar: false }, (error, result) =>
      error ? reject(error) : resolve({ result, latencies, non2xx }),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx++;
    });
  });
}

/**
 * A warm-up run (discarded), then the measured run. Latencies come from autocannon's per-response
 * event (process.hrtime, float ms), so sub-millisecond figures survive; requests/s = 2xx / seconds.
 */
async function measure({
  url,
  connections,
  duration = 10,
  warmup = 2,
  cpuPids = {},
  onMeasureStart,
  ...rest
}) {
  if (warmup > 0) await runCannon({ url, connections, duration: warmup, ...rest });
  if (onMeasureStart) await onMeasureStart();
  const cpuBefore = Object.fromEntries(Object.entries(cpuPids).map(([name, pid]) => [name, cpuMs(pid)]));
  const { result, latencies, non2xx } = await runCannon({ url, connections, duration, ...rest });
  const seconds = result.duration || duration;
  // CPU ms each process spent per answered request: independent of how busy the other core is.
  const cpuMsPerRequest = Object.fromEntries(
    Object.entries(cpuPids).map(([name, pid]) => [
      name,
      latencies.length ? Math.round(((cpuMs(pid) - cpuBefore[name]) / latencies.length) * 1000) / 1000 : null,
    ]),
  );
  return {
    cpuMsPerRequest,
    connections,
    durationSeconds: seconds,
    requestsPerSecond: Math.round((latencies.length / seconds) * 10) / 10,
    latencyMs: summarize(latencies),
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

function machine(databaseKind) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    database: databaseKind,
    pinning: PINNING,
    gatewayNodeFlags: GATEWAY_NODE_FLAGS.join(' '),
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    commit: gitDescribe(),
  };
}

/** The commit measured, and whether the working tree had uncommitted changes (shared tree). */
function gitDescribe() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs', 'prisma'], {
      cwd: ROOT,
    })
      .toString()
      .trim();
    return dirty ? `${commit} (+ uncommitted changes in apps/libs)` : commit;
  } catch {
    return 'unknown';
  }
}

function writeResults(scenario, data) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${scenario}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  log(`results written to ${path.relative(ROOT, file)}`);
  return file;
}

/** Prints rows (objects) as an aligned text table. */
function printTable(title, rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const cell = (value) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => cell(row[c]).length)));
  const line = (values) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  process.stdout.write(`\n${title}\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(line(columns.map((c) => cell(row[c]))) + '\n');
  process.stdout.write('\n');
}

const ratio = (a, b) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);
const round2 = (value) => (value === null || value === undefined ? null : Math.round(value * 100) / 100);

let cleaning = null;
/** Stops every started process, then drops the databases; concurrent callers share one run. */
function cleanupAll() {
  cleaning ??= (async () => {
    for (const proc of [...children]) await stopProcess(proc).catch(() => undefined);
    while (cleanups.length) {
      const cleanup = cleanups.pop();
      await cleanup().catch((error) => log(`cleanup failed: ${error.message}`));
    }
  })().finally(() => {
    cleaning = null;
  });
  return cleaning;
}

let exitHandlersInstalled = false;
function installExitHandlers() {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', () => {
    for (const proc of children) proc.child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      cleanupAll().finally(() => process.exit(130));
    });
  }
}

/**
 * Runs one scenario: pins this process, builds if needed, runs `body`, always cleans up
 * (processes, databases), and enforces a hard time limit so a stuck run stops by itself.
 */
function runScenario(name, body, { timeLimitMs = 290_000 } = {}) {
  installExitHandlers();
  const limit = setTimeout(() => {
    log(`${name}: time limit of ${timeLimitMs / 1000} s reached, stopping`);
    cleanupAll().finally(() => process.exit(2));
  }, timeLimitMs);
  const started = Date.now();
  (async () => {
    pinSelf();
    ensureBuilt(process.env.BENCH_BUILD === '1');
    await body();
  })()
    .then(
      async () => {
        await cleanupAll();
        log(`${name}: done in ${Math.round((Date.now() - started) / 1000)} s`);
        process.exitCode = 0;
      },
      async (error) => {
        log(`${name} failed: ${error && error.stack ? error.stack : error}`);
        await cleanupAll();
        process.exitCode = 1;
      },
    )
    .finally(() => clearTimeout(limit));
}

module.exports = {
  ROOT,
  ADMIN_KEY,
  WEBSHARE_KEY,
  PROXYHAT_KEY,
  GATEWAY_CORE,
  LOAD_CORE,
  PINNING,
  log,
  sleep,
  ensureBuilt,
  pinSelf,
  freePort,
  startProcess,
  stopProcess,
  startSandbox,
  startGateway,
  startBareProxy,
  startBaseline,
  startRedis,
  createDatabase,
  createEmbeddedDatabase,
  openEmbedded,
  api,
  registerAccounts,
  summarize,
  measure,
  runCannon,
  machine,
  writeResults,
  printTable,
  ratio,
  round2,
  rssMiB,
  cpuMs,
  postgresCpu,
  postgresCpuSince,
  waitFor,
  runScenario,
  cleanupAll,
};
