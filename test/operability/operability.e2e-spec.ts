import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey } from '../access/access-helpers';
import { accountIds, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';
import { LogCapture } from './log-capture';
import { sampleValue, scrape, waitForSample } from './metrics-text';

const METRICS_TOKEN = 'metrics-secret-token';

describe('operability: logs, metrics, readiness', () => {
  let gateway: RunningGateway;
  let stopped = false;
  const logs = new LogCapture();
  /** Secrets sent during the file; the last test stops the gateway and searches the log for them. */
  const secrets = new Set<string>([TEST_ADMIN_KEY, 'ph-sandbox-key', 'ws-sandbox-key']);

  beforeAll(async () => {
    gateway = await startTestGateway(
      {
        ...SANDBOX_ENV,
        LOG_LEVEL: 'debug',
        METRICS_TOKEN,
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
    if (!stopped) await gateway?.close();
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
    secrets.add(created.body.proxyPassword);
  });

  it('counts requests, upstream calls and retries, each by one per event, behind METRICS_TOKEN', async () => {
    const { control } = sandboxOf(gateway);
    const ws = await createSubUser(gateway, { provider: 'webshare', name: 'ops-metrics' });
    await request(gateway.url).get('/metrics').expect(401);
    const before = await scrape(gateway.url, METRICS_TOKEN);
    control.addFault({ provider: 'webshare', operation: 'get', mode: 'error', status: 503, times: 1 });
    await request(gateway.url).get(`/v1/sub-users/${ws.id}?fresh=true`).set(admin).expect(200); // one retry
    control.clearFaults();
    const after = await scrape(gateway.url, METRICS_TOKEN);
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect({
      requests: delta('sgw_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/sub-users/:id',
        status: '200',
      }),
      upstreamCalls: delta('sgw_upstream_request_duration_seconds_count', {
        provider: 'webshare',
        operation: 'get',
        outcome: 'ok',
      }),
      retries: delta('sgw_upstream_retries_total', { provider: 'webshare', operation: 'get' }),
    }).toEqual({ requests: 1, upstreamCalls: 1, retries: 1 });
    expect(sampleValue(after, 'sgw_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('operations #1: counts every finished job by type and status, succeeded ones too', async () => {
    const { control } = sandboxOf(gateway);
    const jobs = (type: string, status: string) => ({ type, status });
    const before = await scrape(gateway.url, METRICS_TOKEN);

    const target = await createSubUser(gateway, { provider: 'proxyhat', name: 'ops-job-target' });
    const bulk = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(admin)
      .send({ ids: [target.id] })
      .expect(202);
    expect((await waitForJob(gateway, bulk.body.id)).status).toBe('succeeded');
    const succeeded = jobs('sub-users.bulk-delete', 'succeeded');
    const expectedSucceeded = sampleValue(before, 'sgw_jobs_finished_total', succeeded) + 1;
    expect(
      await waitForSample(
        gateway.url,
        'sgw_jobs_finished_total',
        succeeded,
        expectedSucceeded,
        METRICS_TOKEN,
      ),
    ).toBe(expectedSucceeded);

    // A sync whose Webshare listing keeps failing finishes as failed (ProxyHat still syncs).
    control.addFault({ provider: 'webshare', operation: 'list', mode: 'error', status: 503 });
    try {
      const sync = await request(gateway.url).post('/v1/sync').set(admin).send({}).expect(202);
      expect((await waitForJob(gateway, sync.body.id)).status).toBe('failed');
    } finally {
      control.clearFaults();
    }
    const failed = jobs('sync', 'failed');
    const expectedFailed = sampleValue(before, 'sgw_jobs_finished_total', failed) + 1;
    expect(
      await waitForSample(gateway.url, 'sgw_jobs_finished_total', failed, expectedFailed, METRICS_TOKEN),
    ).toBe(expectedFailed);
    const after = await scrape(gateway.url, METRICS_TOKEN);
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect({
      succeededSyncs: delta('sgw_jobs_finished_total', jobs('sync', 'succeeded')),
      webshareErrors: delta('sgw_sync_runs_total', { provider: 'webshare', outcome: 'error' }),
      proxyhatOk: delta('sgw_sync_runs_total', { provider: 'proxyhat', outcome: 'ok' }),
    }).toEqual({ succeededSyncs: 0, webshareErrors: 1, proxyhatOk: 1 });
  });

  it('reports a provider with an open circuit in readiness without failing it', async () => {
    const ids = await accountIds(gateway);
    const ws = await createSubUser(gateway, { provider: 'webshare', name: 'ops-breaker' });
    const { control } = sandboxOf(gateway);
    control.addFault({ provider: 'webshare', operation: '*', mode: 'error', status: 503 });
    try {
      for (let i = 0; i < 3; i += 1) {
        await request(gateway.url).get(`/v1/sub-users/${ws.id}?fresh=true`).set(admin).expect(503);
      }
      // Anyone learns that a provider is degraded; only operators learn which account.
      const open = await request(gateway.url).get('/health/ready').expect(200);
      expect(open.body).toEqual({ status: 'ok', database: 'up', providers: 'degraded' });
      const ready = await request(gateway.url)
        .get('/health/ready')
        .set('authorization', `Bearer ${METRICS_TOKEN}`)
        .expect(200);
      expect(ready.body.status).toBe('ok');
      const byName = Object.fromEntries(ready.body.providers.map((entry: any) => [entry.name, entry]));
      expect(byName['webshare-sandbox']).toMatchObject({
        id: ids.webshare,
        status: 'degraded',
        circuit: 'open',
        lastError: { code: 'PROVIDER_UNAVAILABLE' },
      });
      expect(byName['proxyhat-sandbox']).toMatchObject({ status: 'up', circuit: 'closed' });
      const metrics = await scrape(gateway.url, METRICS_TOKEN);
      expect(
        sampleValue(metrics, 'sgw_upstream_circuit_state', { provider: 'webshare', account: ids.webshare }),
      ).toBe(2);
    } finally {
      control.clearFaults();
    }
  });

  // Last: it stops the gateway, so every line (late ones included) is in the log before the search.
  it('hardening #10: never writes a key, a password or a secret query value into the logs', async () => {
    const reader = await createKey(gateway, { name: 'ops-reader', scopes: ['sub-users:read'] });
    secrets.add(reader.key);
    await request(gateway.url).get('/v1/sub-users').set(bearer(reader.key)).expect(200);
    await request(gateway.url)
      .get('/v1/sub-users')
      .set('authorization', 'Bearer sgw_wrong_key_that_is_long_enough')
      .expect(401);
    secrets.add('sgw_wrong_key_that_is_long_enough');
    const ph = await createSubUser(gateway, {
      provider: 'proxyhat',
      name: 'ops-secret',
      proxyPassword: 'Very-Secret-Pass-42',
    });
    secrets.add('Very-Secret-Pass-42');
    await request(gateway.url).get(`/v1/sub-users/${ph.id}/credentials`).set(admin).expect(200);
    const rotated = await request(gateway.url)
      .post(`/v1/sub-users/${ph.id}/rotate-password`)
      .set(admin)
      .expect(200);
    secrets.add(rotated.body.password);
    // Keys sent by mistake in the query string, under the names people use.
    const inQuery: Record<string, string> = {
      api_key: 'sgw_query_secret_api_key_0001',
      key: 'sgw_query_secret_key_0002',
      token: 'sgw_query_secret_token_0003',
      access_token: 'sgw_query_secret_access_0004',
      password: 'query-secret-password-0005',
    };
    for (const [name, value] of Object.entries(inQuery)) {
      secrets.add(value);
      await request(gateway.url)
        .get(`/v1/sub-users?limit=5&${name}=${value}`)
        .set(admin)
        .set('x-request-id', `trace-query-${name}`)
        .expect(422);
    }

    await gateway.close();
    stopped = true;
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const secret of secrets)
      expect({ secret, logged: text.includes(secret) }).toEqual({ secret, logged: false });
    // The lines are there, with the values replaced.
    const url = logs.entries().find((entry) => entry.req?.id === 'trace-query-api_key')?.req?.url;
    expect(url).toBe('/v1/sub-users?limit=5&api_key=[redacted]');
  });
});
