import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { FaultRegistry } from '../../apps/sandbox/src/faults';
import { bearer, createKey, createTenant, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY } from '../sub-users/sub-users-helpers';
import { PROVIDERS, ProviderName, assertInvariants, syncAll } from '../reliability/invariants';

/**
 * A short soak, loopback only, bounded in time (SOAK_SECONDS, default 120) and count
 * (SOAK_MAX_REQUESTS, default 200,000): mixed traffic of two tenants over both providers with about
 * 5% of upstream calls failing, SOAK_CONCURRENCY (default 8) requests at a time. It asserts no 500,
 * every other error a problem+json with a code, every kind of request sent, heap growth after a
 * forced GC (once every job has ended) under HEAP_GROWTH_LIMIT_MB (150 MB), RSS growth under
 * RSS_GROWTH_LIMIT_MB (400 MB), and the invariants after a final sync. Requests per second are
 * reported, not asserted.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const MAX_REQUESTS = Number(process.env.SOAK_MAX_REQUESTS ?? 200_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const HEAP_GROWTH_LIMIT_MB = 150;
const RSS_GROWTH_LIMIT_MB = 400;
const MB = 1024 * 1024;

/** A forced GC without a Node flag: V8 exposes `gc` to contexts made after the flag is set. */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

type Action = 'create' | 'get' | 'fresh-get' | 'list' | 'patch' | 'delete' | 'bulk-delete';
const WEIGHTS: [Action, number][] = [
  ['create', 22],
  ['get', 18],
  ['fresh-get', 14],
  ['list', 16],
  ['patch', 16],
  ['delete', 8],
  ['bulk-delete', 6],
];

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function pickAction(): Action {
  const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = Math.random() * total;
  for (const [action, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return 'get';
}

describe(`soak: ${SECONDS} s of mixed traffic with 5% upstream faults`, () => {
  let gateway: RunningGateway;
  let faultsInjected = 0;
  const original = FaultRegistry.prototype.take;
  const takeSpy = jest.spyOn(FaultRegistry.prototype, 'take').mockImplementation(function (
    this: FaultRegistry,
    ...args
  ) {
    const fault = original.apply(this, args);
    if (fault) faultsInjected += 1;
    return fault;
  });

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800', RATE_LIMIT_PER_MINUTE: '10000000' },
      { registry: FAST_REGISTRY },
    );
    sandboxOf(gateway).control.configure({ rateLimits: false, asyncDeleteMs: 1_000 });
  });
  afterAll(async () => {
    takeSpy.mockRestore();
    await gateway?.close();
  });

  it(
    'serves without a 500, within the memory bound, and loses or doubles nothing',
    async () => {
      const gc = forcedGc();
      const { control } = sandboxOf(gateway);
      const tenants = await Promise.all(['soak-a', 'soak-b'].map((name) => createTenant(gateway, name)));
      const keys = await Promise.all(
        tenants.map((tenant) =>
          createKey(gateway, {
            name: `${tenant.name}-key`,
            tenantId: tenant.id,
            scopes: ['sub-users:read', 'sub-users:write'],
          }),
        ),
      );
      const callers = keys.map((key) => ({ headers: bearer(key.key), pool: [] as string[] }));
      const statuses = new Map<string, number>();
      const actions = new Map<string, number>();
      const problems: string[] = [];
      let sent = 0;
      let serial = 0;

      // ~5% of upstream calls fail, in every way the sandbox can fail (the first matching fault applies).
      for (const provider of PROVIDERS) {
        control.addFault({ provider, operation: '*', mode: 'error', status: 503, rate: 0.02 });
        control.addFault({ provider, operation: '*', mode: 'rate-limit', retryAfter: 0, rate: 0.01 });
        control.addFault({ provider, operation: '*', mode: 'drop', rate: 0.01 });
        control.addFault({ provider, operation: '*', mode: 'timeout-before', rate: 0.005 });
        control.addFault({ provider, operation: '*', mode: 'timeout-after', rate: 0.005 });
      }
      const callsBefore = control.calls();

      async function one(): Promise<void> {
        const caller = pick(callers);
        const action = pickAction();
        const agent = request(gateway.url);
        const take = () =>
          caller.pool.length > 0
            ? caller.pool.splice(Math.floor(Math.random() * caller.pool.length), 1)[0]
            : undefined;
        let response: request.Response | undefined;
        let keep: string | undefined;
        switch (action) {
          case 'create': {
            const provider: ProviderName = pick(PROVIDERS);
            response = await agent
              .post('/v1/sub-users')
              .set(caller.headers)
              .send({
                provider,
                name: `soak-${(serial += 1)}-${randomUUID().slice(0, 8)}`,
                trafficLimit: '1GB',
                metadata: { soak: 'yes' },
              });
            if (response.status === 201) caller.pool.push(response.body.id);
            break;
          }
          case 'get':
          case 'fresh-get': {
            const id = take();
            if (!id) return one();
            keep = id;
            response = await agent
              .get(`/v1/sub-users/${id}${action === 'fresh-get' ? '?fresh=true' : ''}`)
              .set(caller.headers);
            break;
          }
          case 'list':
            response = await agent
              .get('/v1/sub-users')
              .query({ limit: 50, ...(Math.random() < 0.5 ? { provider: pick(PROVIDERS) } : {}) })
              .set(caller.headers);
            break;
          case 'patch': {
            const id = take();
            if (!id) return one();
            keep = id;
            response = await agent
              .patch(`/v1/sub-users/${id}`)
              .set(caller.headers)
              .send({ name: `soak-p-${(serial += 1)}`, metadata: { touched: String(serial) } });
            break;
          }
          case 'delete': {
            const id = take();
            if (!id) return one();
            response = await agent.delete(`/v1/sub-users/${id}`).set(caller.headers);
            if (response.status !== 200) keep = id;
            break;
          }
          case 'bulk-delete': {
            const ids = [take(), take(), take()].filter((id): id is string => id !== undefined);
            if (ids.length === 0) return one();
            response = await agent.post('/v1/sub-users/bulk-delete').set(caller.headers).send({ ids });
            break;
          }
        }
        if (keep) caller.pool.push(keep);
        sent += 1;
        actions.set(action, (actions.get(action) ?? 0) + 1);
        const status = String(response!.status);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (response!.status >= 400) {
          const type = String(response!.headers['content-type']);
          if (
            response!.status === 500 ||
            !type.startsWith('application/problem+json') ||
            typeof response!.body.code !== 'string'
          ) {
            problems.push(`${action} → ${response!.status} ${response!.text.slice(0, 300)}`);
          }
        }
      }

      const started = Date.now();
      const deadline = started + SECONDS * 1000;
      const warmUntil = started + Math.min(10_000, (SECONDS * 1000) / 6);
      let baseline: NodeJS.MemoryUsage | undefined;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (Date.now() < deadline && sent < MAX_REQUESTS && problems.length < 20) {
            await one();
            if (!baseline && Date.now() >= warmUntil) {
              gc();
              baseline = process.memoryUsage();
            }
          }
        }),
      );
      const elapsed = (Date.now() - started) / 1000;
      control.clearFaults();
      // Every request has been answered; jobs (bulk deletes) may still run: wait until none is
      // queued or running (polled, with a deadline), then measure.
      const jobsDeadline = Date.now() + 60_000;
      const unfinished = () =>
        prismaOf(gateway).job.count({ where: { status: { in: ['queued', 'running'] } } });
      while ((await unfinished()) > 0) {
        if (Date.now() > jobsDeadline) throw new Error('jobs still running 60 s after the traffic ended');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      gc();
      const end = process.memoryUsage();
      baseline ??= end;

      const callsAfter = control.calls();
      const upstreamCalls = Object.keys(callsAfter).reduce(
        (sum, name) => sum + (callsAfter[name] - (callsBefore[name] ?? 0)),
        0,
      );
      const sync = await syncAll(gateway);
      const invariants = await assertInvariants(gateway, { uniqueNames: (name) => name.startsWith('soak-') });

      const heapGrowth = (end.heapUsed - baseline.heapUsed) / MB;
      const rssGrowth = (end.rss - baseline.rss) / MB;
      const rows: [string, string][] = [
        ['duration', `${elapsed.toFixed(1)} s at concurrency ${CONCURRENCY}`],
        ['requests sent', `${sent} (${(sent / elapsed).toFixed(0)}/s)`],
        ['by action', [...actions.entries()].map(([name, count]) => `${name} ${count}`).join(', ')],
        [
          'status codes',
          [...statuses.entries()]
            .sort()
            .map(([status, count]) => `${status}×${count}`)
            .join(', '),
        ],
        ['upstream calls', String(upstreamCalls)],
        [
          'faults injected',
          `${faultsInjected} (${((faultsInjected / Math.max(1, upstreamCalls)) * 100).toFixed(1)}% of upstream calls)`,
        ],
        [
          'heapUsed after GC',
          `${(baseline.heapUsed / MB).toFixed(0)} → ${(end.heapUsed / MB).toFixed(0)} MB (growth ${heapGrowth.toFixed(1)} MB, bound ${HEAP_GROWTH_LIMIT_MB})`,
        ],
        [
          'rss',
          `${(baseline.rss / MB).toFixed(0)} → ${(end.rss / MB).toFixed(0)} MB (growth ${rssGrowth.toFixed(1)} MB, bound ${RSS_GROWTH_LIMIT_MB})`,
        ],
        ['final sync', JSON.stringify(sync.counts)],
        [
          'invariants',
          `${invariants.checks} checks passed over ${invariants.providerSubUsers} provider sub-users, ${invariants.mappings} mappings, ${invariants.openIntents} open intents`,
        ],
      ];
      const width = Math.max(...rows.map(([name]) => name.length));
      console.log(
        `soak summary\n${rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n')}`,
      );

      expect(problems).toEqual([]);
      expect(statuses.get('500') ?? 0).toBe(0);
      // Every kind of request ran (how many per second is a benchmark's business, not this test's).
      expect(WEIGHTS.map(([action]) => [action, (actions.get(action) ?? 0) > 0])).toEqual(
        WEIGHTS.map(([action]) => [action, true]),
      );
      expect(faultsInjected).toBeGreaterThan(0);
      expect(heapGrowth).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
      expect(rssGrowth).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    },
    (SECONDS + 120) * 1000,
  );
});
