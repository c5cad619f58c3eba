import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { admin } from '../access/access-helpers';
import { FAST_REGISTRY, createSubUser } from './sub-users-helpers';

/** What a caller of /v1/sub-users sees when the provider fails (sandbox faults, real database). */
describe('provider failures become problem+json with the provider code', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800' },
      { registry: FAST_REGISTRY },
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => sandboxOf(gateway).control.clearFaults());

  it('PROVIDER_REJECTED when the provider refuses the content (its field mapped to ours)', async () => {
    const response = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'proxyhat', name: 'ph-bad-group', groupId: 'no-such-group' })
      .expect(422);
    expect(response.body).toMatchObject({
      code: 'PROVIDER_REJECTED',
      source: 'provider',
      provider: 'proxyhat',
      providerStatus: 422,
    });
    expect(response.body.errors.map((error: any) => error.field)).toContain('groupId');
  });

  it('PROVIDER_NOT_FOUND when the provider no longer has a mapped sub-user', async () => {
    const created = await createSubUser(gateway, { provider: 'webshare', name: 'ws-gone' });
    const sandbox = sandboxOf(gateway);
    await fetch(`${sandbox.webshareBaseUrl}/api/v2/subuser/${created.providerSubUserId}/`, {
      method: 'DELETE',
      headers: { Authorization: 'Token ws-sandbox-key' },
    });
    const response = await request(gateway.url)
      .get(`/v1/sub-users/${created.id}?fresh=true`)
      .set(admin)
      .expect(404);
    expect(response.body).toMatchObject({
      code: 'PROVIDER_NOT_FOUND',
      source: 'provider',
      provider: 'webshare',
    });
  });

  it('PROVIDER_UNAVAILABLE on 5xx after retries, PROVIDER_TIMEOUT on no answer, PROVIDER_RATE_LIMITED on 429s', async () => {
    const created = await createSubUser(gateway, { provider: 'proxyhat', name: 'ph-faults' });
    const { control } = sandboxOf(gateway);
    control.addFault({ provider: 'proxyhat', operation: 'get', mode: 'error', status: 503 });
    const unavailable = await request(gateway.url)
      .get(`/v1/sub-users/${created.id}?fresh=true`)
      .set(admin)
      .expect(503);
    expect(unavailable.body).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 503 });
    control.clearFaults();

    control.addFault({ provider: 'proxyhat', operation: 'get', mode: 'timeout-before' });
    const timeout = await request(gateway.url)
      .get(`/v1/sub-users/${created.id}?fresh=true`)
      .set(admin)
      .expect(504);
    expect(timeout.body.code).toBe('PROVIDER_TIMEOUT');
    control.clearFaults();

    control.addFault({ provider: 'proxyhat', operation: 'get', mode: 'rate-limit', retryAfter: 1 });
    const limited = await request(gateway.url)
      .get(`/v1/sub-users/${created.id}?fresh=true`)
      .set(admin)
      .expect(503);
    expect(limited.body.code).toBe('PROVIDER_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('PROVIDER_AUTH_FAILED (502, never 401) when a provider refuses the account key', async () => {
    const { webshareBaseUrl } = sandboxOf(gateway);
    const response = await request(gateway.url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({
        provider: 'webshare',
        name: 'ws-bad-key',
        apiKey: 'not-a-real-key',
        baseUrl: webshareBaseUrl,
      })
      .expect(502);
    expect(response.body).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      source: 'provider',
      providerStatus: 401,
    });
    expect(JSON.stringify(response.body)).not.toContain('not-a-real-key');
  });

  it('keeps an uncertain create open instead of forgetting it, and drops a refused one', async () => {
    const { control } = sandboxOf(gateway);
    control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
    const creates = control.calls()['webshare.create'] ?? 0;
    const lost = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'webshare', name: 'ws-lost' })
      .expect(504);
    expect(lost.body.code).toBe('PROVIDER_TIMEOUT');
    const pending = await request(gateway.url).get('/v1/sub-users?q=ws-lost').set(admin).expect(200);
    expect(pending.body.items).toHaveLength(1);
    expect(pending.body.items[0]).toMatchObject({ status: 'provisioning', providerSubUserId: null });
    // Exactly one call: a create whose answer was lost is never retried (it may have happened).
    expect((control.calls()['webshare.create'] ?? 0) - creates).toBe(1);
    const audit = await request(gateway.url)
      .get(`/v1/audit-events?targetId=${pending.body.items[0].id}`)
      .set(admin)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'sub-user.created',
      outcome: 'error',
      errorCode: 'PROVIDER_TIMEOUT',
    });
  });
});
