// Webhooks: how long a change takes to reach an endpoint, and how many deliveries a replica sends
// per second. The gateway runs as real processes from its sources (no build needed) on a throwaway
// PostgreSQL database; this script is the receiver (every delivery verified with the
// `standardwebhooks` package) and runs the provider sandbox in-process.
//   node -r ./scripts/ts-register.js bench/webhooks.bench.ts
// Env: BENCH_WEBHOOK_CHANGES (400) at BENCH_WEBHOOK_RATE per second (20) for the latency part;
// BENCH_WEBHOOK_POLL_MS (250, the default WEBHOOK_POLL_INTERVAL_MS) for the latency part;
// BENCH_WEBHOOK_EVENTS (2000) × BENCH_WEBHOOK_ENDPOINTS (4) deliveries per throughput run;
// BENCH_PG_ADMIN_URL. Writes bench/results/webhooks.json.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { Webhook } from 'standardwebhooks';
import { Ledger, PersistenceModule, Transactions, resolveDatabaseTarget } from '@app/persistence';
import { sandboxOptionsFromEnv, startSandbox } from '@app/sandbox';

const bench = require('./lib/harness');

const CHANGES = Number(process.env.BENCH_WEBHOOK_CHANGES ?? 400);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 20);
const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2000);
const ENDPOINTS = Number(process.env.BENCH_WEBHOOK_ENDPOINTS ?? 4);
const POLL_MS = Number(process.env.BENCH_WEBHOOK_POLL_MS ?? 250);
const SUB_USERS = 20;
const PROXYHAT_KEY = 'ph-webhook-bench-key';
const GATEWAY_ENV = {
  WEBHOOK_HOST_ALLOWLIST: '127.0.0.1',
  PROVIDER_HOST_ALLOWLIST: '127.0.0.1',
};

interface Delivery {
  path: string;
  id: string;
  at: number;
  occurredAt: string;
}

/** The receiver: records every delivery after verifying it with the endpoint's secret. */
async function startReceiver() {
  const secrets = new Map<string, Webhook>();
  const received: Delivery[] = [];
  let invalid = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      try {
        const event = secrets.get(path)!.verify(body, request.headers as Record<string, string>) as {
          id: string;
          occurredAt: string;
        };
        received.push({ path, id: event.id, at, occurredAt: event.occurredAt });
      } catch {
        invalid += 1;
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    invalid: () => invalid,
    expect: (path: string, secret: string) => secrets.set(path, new Webhook(secret)),
    reset: () => received.splice(0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startGatewayFromSources(databaseUrl: string, env: Record<string, string> = {}) {
  const port = await bench.freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await bench.startProcess(`gateway-${port}`, {
    core: '0,1',
    args: ['-r', './scripts/ts-register.js', 'apps/gateway/src/main.ts'],
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      GATEWAY_ADMIN_KEY: bench.ADMIN_KEY,
      ENCRYPTION_KEYS: benchEncryptionKeys,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '0',
      UPSTREAM_RATE_LIMIT: 'false',
      ...GATEWAY_ENV,
      ...env,
    },
    readyUrl: `${url}/health/live`,
    timeoutMs: 120_000,
  });
  return { ...proc, url };
}

const benchEncryptionKeys = `webhooks:${Buffer.alloc(32, 9).toString('base64')}`;

async function waitUntil(check: () => boolean, what: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await bench.sleep(20);
  }
}

type Persistence = Awaited<ReturnType<typeof openPersistence>>;

/** The persistence library in this process, to record a backlog as the gateway records changes. */
async function openPersistence(databaseUrl: string) {
  return NestFactory.createApplicationContext(
    PersistenceModule.forRoot({ target: resolveDatabaseTarget(databaseUrl), migrate: false, poolSize: 2 }),
    { logger: false },
  );
}

/**
 * `count` changes announced to the throughput endpoints, in one transaction: every delivery
 * becomes visible at the commit, so the drain is timed from one instant. Returns that instant.
 */
async function backlog(persistence: Persistence, count: number, run: string): Promise<number> {
  const ledger = persistence.get(Ledger);
  await persistence.get(Transactions).run(async (tx) => {
    for (let n = 0; n < count; n += 1) {
      await ledger.recordChange(
        {
          action: 'provider-account.updated',
          targetType: 'provider-account',
          targetId: `${run}-${n}`,
          tenantId: null,
          actor: { keyId: null, requestId: null },
          announce: { type: 'provider-account.updated', data: { id: `${run}-${n}`, run } },
        },
        tx,
      );
    }
  });
  return Date.now();
}

async function deliveredBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^sgw_webhook_deliveries_total\{outcome="succeeded"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/** Starts `replicas` gateway processes, then commits a backlog; timed from the commit to the last delivery. */
async function drain(
  databaseUrl: string,
  persistence: Persistence,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  replicas: number,
) {
  const gateways = await Promise.all(
    Array.from({ length: replicas }, () => startGatewayFromSources(databaseUrl)),
  );
  receiver.reset();
  const expected = EVENTS * ENDPOINTS;
  const cpuBefore = gateways.map((gateway) => bench.cpuMs(gateway.pid));
  const committedAt = await backlog(persistence, EVENTS, `r${replicas}`);
  const progress = setInterval(
    () => bench.log(`${replicas} replica(s): ${receiver.received.length}/${expected} delivered`),
    10_000,
  );
  try {
    await waitUntil(() => receiver.received.length >= expected, `${expected} deliveries`);
  } finally {
    clearInterval(progress);
  }
  const cpuAfter = gateways.map((gateway) => bench.cpuMs(gateway.pid));
  const seconds = (receiver.received[receiver.received.length - 1].at - committedAt) / 1000;
  // A replica counts a delivery once it has recorded it, a moment after the receiver saw it.
  let perReplica: number[] = [];
  await bench.waitFor(
    async () => {
      perReplica = await Promise.all(gateways.map((gateway) => deliveredBy(gateway.url)));
      return perReplica.reduce((sum, count) => sum + count, 0) >= expected;
    },
    30_000,
    'every delivery recorded',
  );
  for (const gateway of gateways) await bench.stopProcess(gateway);
  const ids = receiver.received.map((delivery) => `${delivery.path} ${delivery.id}`);
  return {
    replicas,
    deliveries: receiver.received.length,
    duplicates: ids.length - new Set(ids).size,
    secondsFromCommit: bench.round2(seconds),
    deliveriesPerSecond: bench.round2(receiver.received.length / seconds),
    deliveriesPerSecondPerReplica: bench.round2(receiver.received.length / seconds / replicas),
    deliveredByReplica: perReplica,
    // Idle polling while the backlog was written is included (small: one query per 250 ms).
    cpuMsPerDelivery: gateways.map((_, n) =>
      bench.round2((cpuAfter[n] - cpuBefore[n]) / Math.max(1, perReplica[n])),
    ),
  };
}

async function main(): Promise<void> {
  const database = await bench.createDatabase('webhooks');
  const sandbox = await startSandbox({
    ...sandboxOptionsFromEnv({ SANDBOX_RATE_LIMITS: 'off', SANDBOX_PROXYHAT_KEYS: PROXYHAT_KEY }),
    port: 0,
    host: '127.0.0.1',
  });
  const receiver = await startReceiver();
  try {
    // 1. Latency: changes at a steady rate through the API, each delivered to one endpoint.
    const gateway = await startGatewayFromSources(database.url, {
      WEBHOOK_POLL_INTERVAL_MS: String(POLL_MS),
    });
    const call = async (method: string, path: string, body?: unknown) =>
      (await bench.api(gateway.url, method, path, { body, expect: [200, 201] })).body;
    await call('POST', '/v1/provider-accounts', {
      provider: 'proxyhat',
      name: 'bench-proxyhat',
      baseUrl: `${sandbox.url}/proxyhat/v1`,
      apiKey: PROXYHAT_KEY,
    });
    const subUsers: { id: string }[] = [];
    for (let n = 0; n < SUB_USERS; n += 1) {
      subUsers.push(await call('POST', '/v1/sub-users', { provider: 'proxyhat', name: `bench-wh-${n}` }));
    }
    const latency = await call('POST', '/v1/webhook-endpoints', {
      url: `${receiver.base}/latency`,
      events: ['sub-user.updated'],
    });
    receiver.expect('/latency', latency.secret);
    for (let n = 0; n < ENDPOINTS; n += 1) {
      const endpoint = await call('POST', '/v1/webhook-endpoints', {
        url: `${receiver.base}/throughput-${n}`,
        events: ['provider-account.updated'],
      });
      receiver.expect(`/throughput-${n}`, endpoint.secret);
    }
    const cpuBefore = bench.cpuMs(gateway.pid);
    const started = Date.now();
    const changes: Promise<unknown>[] = [];
    for (let n = 0; n < CHANGES; n += 1) {
      const due = started + (n * 1000) / RATE;
      await bench.sleep(Math.max(0, due - Date.now()));
      changes.push(
        call('PATCH', `/v1/sub-users/${subUsers[n % SUB_USERS].id}`, { metadata: { n: String(n) } }),
      );
    }
    await Promise.all(changes);
    await waitUntil(() => receiver.received.length >= CHANGES, `${CHANGES} latency deliveries`);
    const gatewayCpuMsPerChange = bench.round2((bench.cpuMs(gateway.pid) - cpuBefore) / CHANGES);
    const delays = receiver.received.map((delivery) => delivery.at - Date.parse(delivery.occurredAt));
    const latencyResult = {
      changes: CHANGES,
      ratePerSecond: RATE,
      pollIntervalMs: POLL_MS,
      changeToDeliveryMs: bench.summarize(delays),
      gatewayCpuMsPerChange,
    };
    await bench.stopProcess(gateway);

    // 2. Throughput: a backlog drained by one replica, then another by two.
    const persistence = await openPersistence(database.url);
    let one;
    let two;
    try {
      one = await drain(database.url, persistence, receiver, 1);
      two = await drain(database.url, persistence, receiver, 2);
    } finally {
      await persistence.close();
    }
    const invalid = receiver.invalid();
    if (invalid > 0 || one.duplicates > 0 || two.duplicates > 0) {
      throw new Error(`invalid signatures: ${invalid}, duplicates: ${one.duplicates} / ${two.duplicates}`);
    }

    const results = {
      scenario: 'webhooks',
      description:
        `Change-to-delivery delay of sub-user PATCHes at a steady rate (one endpoint, poll ${POLL_MS} ms); ` +
        `then backlogs of ${EVENTS} events × ${ENDPOINTS} endpoints drained by 1 and by 2 replicas ` +
        '(default WEBHOOK_CONCURRENCY 32, WEBHOOK_ENDPOINT_CONCURRENCY 4); every delivery verified with standardwebhooks',
      machine: {
        ...bench.machine('postgresql (local, 127.0.0.1:5432)'),
        pinning: 'none: gateway processes (from sources), PostgreSQL and this script share both cores',
      },
      latency: latencyResult,
      throughput: [one, two],
      invalidSignatures: invalid,
    };
    bench.printTable('change → delivery (ms)', [
      { ...latencyResult.changeToDeliveryMs, cpuMsPerChange: gatewayCpuMsPerChange },
    ]);
    bench.printTable(
      'drain',
      [one, two].map((run) => ({
        replicas: run.replicas,
        deliveries: run.deliveries,
        seconds: run.secondsFromCommit,
        perSecond: run.deliveriesPerSecond,
        perSecondPerReplica: run.deliveriesPerSecondPerReplica,
        byReplica: run.deliveredByReplica.join('/'),
        cpuMsPerDelivery: run.cpuMsPerDelivery.join('/'),
      })),
    );
    bench.writeResults('webhooks', results);
  } finally {
    await receiver.close();
    await sandbox.close();
    await bench.cleanupAll();
  }
}

main().catch(async (error: unknown) => {
  bench.log(`webhooks failed: ${(error as Error).stack ?? error}`);
  await bench.cleanupAll();
  process.exitCode = 1;
});
