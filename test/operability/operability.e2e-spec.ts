import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey } from '../access/access-helpers';
import { accountIds, createSubUser } from '../sub-users/sub-users-helpers';
import { LogCapture } from './log-capture';
import { TestDatabase, createTestDatabase } from '../support/test-database';

describe('operability: logs, metrics, readiness', () => {
  let gateway: RunningGateway;
  const logs = new LogCapture();

  beforeAll(async () => {
    gateway = await startTestGateway(
      {
        ...SANDBOX_ENV,
        LOG_LEVEL: 'debug',
        METRICS_TOKEN: 'metrics-secret-token',
        UPSTREAM_TIMEOUT_MS: '800',
      },
      {
        logStream: logs,
        registry: {
          driverOptions: {
            retry: {
              maxAttempts: 2,
              baseDelayMs: 5,
              maxDelayMs: 20,
              retryAfterCapMs: 50,
              maxTotalWaitMs: 200,
            },
            circuit: { threshold: 3, halfOpenAfterMs: 60_000 },
          },
        },
      },
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('logs every request as JSON with its request id, the caller’s key and tenant', async () => {
    const response = await request(gateway.url)
      .get('/v1/sub-users')
      .set(admin)
      .set('x-request-id', 'trace-ops-1')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('trace-ops-1');
    const line = logs
      .entries()
      .find((entry) => entry.req?.id === 'trace-ops-1' && entry.msg === 'request completed');
    expect(line).toBeDefined();
    expect(line).toMatchObject({
      req: { method: 'GET', url: '/v1/sub-users' },
      res: { statusCode: 200 },
      tenantId: 'default',
    });
    expect(line!.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof line!.responseTime).toBe('number');
    // Liveness probes are left out of the log.
    await request(gateway.url).get('/health/live').set('x-request-id', 'trace-live-1').expect(200);
    expect(logs.entries().filter((entry) => entry.req?.id === 'trace-live-1')).toEqual([]);
  });

  it('logs upstream calls with provider, operation, status and duration, tied to the request', async () => {
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .set('x-request-id', 'trace-ops-2')
      .send({ provider: 'proxyhat', name: 'ops-logged' })
      .expect(201);
    const upstream = logs
      .entries()
      .find((entry) => entry.msg === 'upstream call' && entry.operation === 'create');
    expect(upstream).toMatchObject({
      provider: 'proxyhat',
      method: 'POST',
      status: 201,
      outcome: 'ok',
      req: { id: 'trace-ops-2' },
    });
    expect(upstream!.durationMs).toBeGreaterThan(0);
    expect(created.body.proxyPassword).toBeDefined();
  });

  it('never writes a key or a password into the logs', async () => {
    const reader = await createKey(gateway, { name: 'ops-reader', scopes: ['sub-users:read'] });
    await request(gateway.url).get('/v1/sub-users').set(bearer(reader.key)).expect(200);
    await request(gateway.url)
      .get('/v1/sub-users')
      .set('authorization', 'Bearer sgw_wrong_key_that_is_long_enough')
      .expect(401);
    const ph = await createSubUser(gateway, {
      provider: 'proxyhat',
      name: 'ops-secret',
      proxyPassword: 'Very-Secret-Pass-42',
    });
    await request(gateway.url).get(`/v1/sub-users/${ph.id}/credentials`).set(admin).expect(200);
    await request(gateway.url).post(`/v1/sub-users/${ph.id}/rotate-password`).set(admin).expect(200);
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const secret of [
      TEST_ADMIN_KEY,
      reader.key,
      'sgw_wrong_key_that_is_long_enough',
      'Very-Secret-Pass-42',
      'ph-sandbox-key',
      'ws-sandbox-key',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('exposes every metric family after traffic, behind METRICS_TOKEN', async () => {
    const { control } = sandboxOf(gateway);
    const ws = await createSubUser(gateway, { provider: 'webshare', name: 'ops-metrics' });
    control.addFault({ provider: 'webshare', operation: 'get', mode: 'error', status: 503, times: 1 });
    await request(gateway.url).get(`/v1/sub-users/${ws.id}?fresh=true`).set(admin).expect(200); // one retry
    control.clearFaults();

    await request(gateway.url).get('/metrics').expect(401);
    const response = await request(gateway.url)
      .get('/metrics')
      .set('authorization', 'Bearer metrics-secret-token')
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.text;
    expect(text).toMatch(
      /sgw_http_request_duration_seconds_count\{method="GET",route="\/v1\/sub-users\/:id",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /sgw_upstream_request_duration_seconds_count\{provider="webshare",operation="get",outcome="ok"\} \d+/,
    );
    expect(text).toMatch(/sgw_upstream_retries_total\{provider="webshare",operation="get"\} [1-9]/);
    expect(text).toContain('sgw_upstream_circuit_state');
    expect(text).toContain('sgw_upstream_rate_limit_wait_seconds');
    expect(text).toContain('sgw_jobs_finished_total');
    expect(text).toContain('sgw_sync_runs_total');
    expect(text).toContain('sgw_process_resident_memory_bytes');
  });

  it('reports a provider with an open circuit in readiness without failing it', async () => {
    const ids = await accountIds(gateway);
    const ws = await createSubUser(gateway, { provider: 'webshare', name: 'ops-breaker' });
    const { control } = sandboxOf(gateway);
    control.addFault({ provider: 'webshare', operation: '*', mode: 'error', status: 503 });
    for (let i = 0; i < 3; i += 1) {
      await request(gateway.url).get(`/v1/sub-users/${ws.id}?fresh=true`).set(admin).expect(503);
    }
    const ready = await request(gateway.url).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    const byName = Object.fromEntries(ready.body.providers.map((entry: any) => [entry.name, entry]));
    expect(byName['webshare-sandbox']).toMatchObject({
      id: ids.webshare,
      status: 'degraded',
      circuit: 'open',
      lastError: { code: 'PROVIDER_UNAVAILABLE' },
    });
    expect(byName['proxyhat-sandbox']).toMatchObject({ status: 'up', circuit: 'closed' });
    const metrics = await request(gateway.url)
      .get('/metrics')
      .set('authorization', 'Bearer metrics-secret-token')
      .expect(200);
    expect(metrics.text).toContain(
      `sgw_upstream_circuit_state{provider="webshare",account="${ids.webshare}"} 2`,
    );
    control.clearFaults();
  });
});

describe('inbound rate limit per API key', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, per key', async () => {
    const key = await createKey(gateway, { name: 'limited', scopes: ['sub-users:read'] });
    // createKey used the admin key once; the new key starts at zero.
    for (let i = 0; i < 5; i += 1)
      await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    const refused = await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED', status: 429, source: 'gateway' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another key is not affected.
    await request(gateway.url).get('/v1/sub-users').set(admin).expect(200);
  });
});

describe('inbound rate limit shared by two replicas through Redis (PostgreSQL + local Redis)', () => {
  const gateways: RunningGateway[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_PER_MINUTE: '4',
    };
    gateways.push(await startTestGateway(env), await startTestGateway(env));
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await database.drop();
  });

  it('counts one key’s requests across both replicas', async () => {
    const [a, b] = gateways;
    const key = await createKey(a, { name: 'shared-limit', scopes: ['sub-users:read'] });
    // The limit is per minute: start inside one window.
    const leftInMinute = 60_000 - (Date.now() % 60_000);
    if (leftInMinute < 10_000) await new Promise((done) => setTimeout(done, leftInMinute + 50));
    for (const gateway of [a, b, a, b]) {
      await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    }
    const refused = await request(b.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    await request(a.url).get('/v1/sub-users').set(bearer(key.key)).expect(429);
  });
});
