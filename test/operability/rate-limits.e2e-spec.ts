import IORedis from 'ioredis';
import request from 'supertest';
import { Clock } from '../../apps/gateway/src/common/clock';
import { SharedRedis } from '../../apps/gateway/src/common/redis/shared-redis';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { admin, bearer, createKey } from '../access/access-helpers';
import { createSubUser } from '../sub-users/sub-users-helpers';
import { sampleValue, scrape } from './metrics-text';

const LOCAL_REDIS = 'redis://127.0.0.1:6379';
/** 15.5 s into a minute: the window then ends in 44.5 s, announced as 45. */
const FROZEN_AT = Date.UTC(2026, 11, 1, 12, 0, 15, 500);

/** Pins the gateway's clock (rate-limit window, key cache) to `at`; returns a way to move it. */
function freezeClock(gateway: RunningGateway, at: number): { set(next: number): void } {
  const spy = jest.spyOn(gateway.app.get(Clock), 'now').mockReturnValue(at);
  return { set: (next) => spy.mockReturnValue(next) };
}

function limitHeaders(response: request.Response): Record<string, string | undefined> {
  return {
    limit: response.headers['ratelimit-limit'],
    remaining: response.headers['ratelimit-remaining'],
    reset: response.headers['ratelimit-reset'],
    retryAfter: response.headers['retry-after'],
  };
}

describe('inbound rate limit per API key', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await gateway?.close();
  });

  it('operations #4: tells every answer of a limited route where the key stands, and answers 429 with Retry-After past it', async () => {
    const key = await createKey(gateway, { name: 'limited', scopes: ['sub-users:read'] });
    const clock = freezeClock(gateway, FROZEN_AT);
    const seen: Record<string, string | undefined>[] = [];
    for (let i = 0; i < 4; i += 1) {
      seen.push(
        limitHeaders(await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200)),
      );
    }
    // A refused scope is counted and told too.
    seen.push(limitHeaders(await request(gateway.url).get('/v1/tenants').set(bearer(key.key)).expect(403)));
    expect(seen).toEqual(
      [4, 3, 2, 1, 0].map((remaining) => ({
        limit: '5',
        remaining: String(remaining),
        reset: '45',
        retryAfter: undefined,
      })),
    );

    const refused = await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
    expect(limitHeaders(refused)).toEqual({ limit: '5', remaining: '0', reset: '45', retryAfter: '45' });
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      source: 'gateway',
      limitPerMinute: 5,
    });

    // Another key has its own count; public routes carry no per-key headers.
    const other = await request(gateway.url).get('/v1/sub-users').set(admin).expect(200);
    expect(other.headers['ratelimit-remaining']).not.toBe('0');
    const health = await request(gateway.url).get('/health/live').expect(200);
    expect(limitHeaders(health)).toEqual({
      limit: undefined,
      remaining: undefined,
      reset: undefined,
      retryAfter: undefined,
    });

    // The next minute starts the count again.
    clock.set(FROZEN_AT + 44_500);
    const next = await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    expect(limitHeaders(next)).toEqual({ limit: '5', remaining: '4', reset: '60', retryAfter: undefined });
  });
});

describe('inbound rate limit shared by two replicas through Redis (PostgreSQL + local Redis)', () => {
  const gateways: RunningGateway[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    const env = { DATABASE_URL: database.url, REDIS_URL: LOCAL_REDIS, RATE_LIMIT_PER_MINUTE: '4' };
    gateways.push(await startTestGateway(env), await startTestGateway(env));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    for (const gateway of gateways) await gateway.close();
    await database.drop();
  });

  it('counts one key’s requests across both replicas', async () => {
    const [a, b] = gateways;
    const key = await createKey(a, { name: 'shared-limit', scopes: ['sub-users:read'] });
    // Both replicas pinned to one instant, so both count in the same window (the key is new).
    for (const gateway of gateways) freezeClock(gateway, FROZEN_AT);
    const remaining: string[] = [];
    for (const gateway of [a, b, a, b]) {
      const response = await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
      remaining.push(response.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await request(b.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    await request(a.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
  });
});

describe('operations #5: one shared Redis connection per gateway (local Redis)', () => {
  it('opens one command and one subscriber connection, one option set, and closes both on shutdown', async () => {
    const gateway = await startTestGateway({ REDIS_URL: LOCAL_REDIS, RATE_LIMIT_PER_MINUTE: '100' });
    const name = gateway.app.get(SharedRedis).connectionName;
    const inspector = new IORedis(LOCAL_REDIS);
    const connections = async () =>
      ((await inspector.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${name} `));
    try {
      // Limit counting and revocations both ran through it.
      const key = await createKey(gateway, { name: 'redis-user', scopes: ['sub-users:read'] });
      await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
      await request(gateway.url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
      const open = await connections();
      expect(open).toHaveLength(2);
      expect(open.filter((line) => / sub=1 /.test(line))).toHaveLength(1);
    } finally {
      await gateway.close();
    }
    const deadline = Date.now() + 10_000;
    let left = await connections();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await connections();
    }
    await inspector.quit();
    expect(left).toEqual([]);
  });
});

describe('upstream rate-limit waits are measured', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, UPSTREAM_RATE_LIMIT: 'true' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('observes the time calls waited for ProxyHat’s 60/min pace', async () => {
    const target = await createSubUser(gateway, { provider: 'proxyhat', name: 'paced' });
    const before = await scrape(gateway.url);
    // ProxyHat allows a burst of 10 calls, then one a second: 12 more calls wait at least twice.
    for (let i = 0; i < 12; i += 1) {
      await request(gateway.url).get(`/v1/sub-users/${target.id}?fresh=true`).set(admin).expect(200);
    }
    const after = await scrape(gateway.url);
    const labels = { provider: 'proxyhat' };
    const waits =
      sampleValue(after, 'sgw_upstream_rate_limit_wait_seconds_count', labels) -
      sampleValue(before, 'sgw_upstream_rate_limit_wait_seconds_count', labels);
    const waited =
      sampleValue(after, 'sgw_upstream_rate_limit_wait_seconds_sum', labels) -
      sampleValue(before, 'sgw_upstream_rate_limit_wait_seconds_sum', labels);
    expect(waits).toBeGreaterThanOrEqual(2);
    expect(waited).toBeGreaterThanOrEqual(0.5);
  });
});
