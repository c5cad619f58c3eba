import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import type { RateLimitWaitEvent } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { RegistryPool, accountFor, sleep } from './provider-test-kit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new IORedis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

describe('per-account rate limiter', () => {
  let sandbox: RunningSandbox;
  const pool = new RegistryPool();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, rateLimits: false });
  });
  afterAll(async () => {
    await pool.closeAll();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.control.reset({ seedWebshare: 1 });
    sandbox.control.configure({ latencyMs: 0 });
  });
  afterEach(() => pool.closeAll());

  it('serves user calls ahead of queued background (sync) calls', async () => {
    // The first call holds the only slot for 400 ms: time enough, under a loaded CI, for the four
    // calls below to be queued before it ends (with 60 ms, one run queued a user call too late).
    sandbox.control.configure({ latencyMs: 400 });
    const driver = pool.driver(sandbox, 'webshare', {
      driverOptions: { rateLimit: { enabled: true, perMinute: 6000, maxConcurrent: 1 } },
    });
    const [seeded] = sandbox.control.state('webshare');
    const id = String(seeded.id);
    const finished: string[] = [];
    const track = (label: string, call: Promise<unknown>) => call.then(() => void finished.push(label));

    const inFlight = track('first', driver.get(id, { priority: 'background' }));
    await sleep(20); // the first call has the only slot
    sandbox.control.configure({ latencyMs: 20 });
    const queued = [
      track('background-1', driver.get(id, { priority: 'background' })),
      track('background-2', driver.list({ priority: 'background' })),
      track('user-1', driver.get(id, { priority: 'user' })),
      track('user-2', driver.get(id)),
    ];
    await Promise.all([inFlight, ...queued]);
    expect(finished).toEqual(['first', 'user-1', 'user-2', 'background-1', 'background-2']);
  });

  it('keeps to the published pace and reports the waits', async () => {
    const waits: RateLimitWaitEvent[] = [];
    const driver = pool.driver(sandbox, 'webshare', {
      driverOptions: {
        rateLimit: { enabled: true, perMinute: 60 },
        hooks: { onRateLimitWait: (e) => waits.push(e) },
      },
    });
    const [seeded] = sandbox.control.state('webshare');
    const startedAt = Date.now();
    // 60/min: a burst of 10, then one a second.
    const calls = Array.from({ length: 11 }, () => driver.get(String(seeded.id)));
    await sleep(500);
    expect(sandbox.control.calls()['webshare.get']).toBe(10);
    await Promise.all(calls);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatchObject({ provider: 'webshare', operation: 'get' });
  });

  it('shares one account limit between replicas through Redis, and cleans its keys up', async () => {
    // Redis runs on these machines (and .ci/run starts it when it is down): no silent pass.
    if (!(await redisReachable())) {
      throw new Error(`Redis is not reachable at ${REDIS_URL}`);
    }
    const keyPrefix = `subuser-gateway-test-${randomUUID()}`;
    const options = {
      redisUrl: REDIS_URL,
      clearRedisOnClose: true,
      driverOptions: { rateLimit: { enabled: true, perMinute: 60, keyPrefix } },
    };
    const account = accountFor(sandbox, 'webshare');
    const replicaA = pool.create(options).driverFor(account);
    const replicaB = pool.create(options).driverFor({ ...account });
    const [seeded] = sandbox.control.state('webshare');
    const id = String(seeded.id);

    // Alone, each replica could send its 6 at once (burst 10); together they hold to one burst of 10.
    const calls = [
      ...Array.from({ length: 6 }, () => replicaA.get(id)),
      ...Array.from({ length: 6 }, () => replicaB.get(id)),
    ];
    await sleep(700);
    expect(sandbox.control.calls()['webshare.get']).toBe(10);
    await Promise.all(calls);
    expect(sandbox.control.calls()['webshare.get']).toBe(12);

    const redis = new IORedis(REDIS_URL);
    try {
      expect((await redis.keys(`b_${keyPrefix}*`)).length).toBeGreaterThan(0);
      await pool.closeAll();
      expect(await redis.keys(`b_${keyPrefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('shares the application’s own Redis client between replicas and leaves it open on close', async () => {
    // As the gateway's SharedRedis makes it: lazy, failing fast instead of queueing.
    const clients = [0, 1].map(
      () => new IORedis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    );
    await Promise.all(clients.map((client) => client.connect()));
    const keyPrefix = `sgw-test-shared-${randomUUID().slice(0, 8)}`;
    try {
      const options = (client: IORedis) => ({
        redis: client,
        clearRedisOnClose: true,
        driverOptions: { rateLimit: { enabled: true, perMinute: 60, keyPrefix } },
      });
      const account = accountFor(sandbox, 'webshare');
      const replicaA = pool.create(options(clients[0])).driverFor(account);
      const replicaB = pool.create(options(clients[1])).driverFor({ ...account });
      const [seeded] = sandbox.control.state('webshare');
      const id = String(seeded.id);
      const calls = [
        ...Array.from({ length: 6 }, () => replicaA.get(id)),
        ...Array.from({ length: 6 }, () => replicaB.get(id)),
      ];
      await sleep(700);
      expect(sandbox.control.calls()['webshare.get']).toBe(10);
      await Promise.all(calls);
      await pool.closeAll();
      // The registries closed their limiters, not the application's clients.
      expect(await Promise.all(clients.map((client) => client.ping()))).toEqual(['PONG', 'PONG']);
      expect(await clients[0].keys(`b_${keyPrefix}*`)).toEqual([]);
    } finally {
      clients.forEach((client) => client.disconnect());
    }
  });
});
