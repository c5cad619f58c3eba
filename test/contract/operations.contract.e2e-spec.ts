import { randomUUID } from 'node:crypto';
import { GatewayClient } from '../../clients/typescript/src';
import { CREATE_SUB_USER_EXAMPLES } from '../../apps/gateway/src/docs/examples';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY } from '../sub-users/sub-users-helpers';
import { Receiver } from '../webhooks/receiver';
import { WEBHOOK_ENV } from '../webhooks/webhook-helpers';
import { contractClient, expectNoViolations, finishedJob, rawCall } from './contract-kit';
import { ContractRecorder, ContractValidator } from './openapi-validator';

/**
 * Every operation of openapi.json besides the sub-user ones of sub-users.contract: happy paths
 * and the errors each documents, through the typed client, every answer checked against the
 * document. The last test holds the line: every operation the document lists has answered a 2xx
 * here (a new endpoint needs a contract call).
 */
describe('contract: every other operation answers what openapi.json says', () => {
  const recorder = new ContractRecorder(new ContractValidator());
  let gateway: RunningGateway;
  let hook: Receiver;
  let admin: GatewayClient;
  let subUserId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, ...WEBHOOK_ENV }, { registry: FAST_REGISTRY });
    hook = await Receiver.start();
    admin = contractClient(gateway, TEST_ADMIN_KEY, recorder);
    const created = await admin.POST('/v1/sub-users', {
      body: CREATE_SUB_USER_EXAMPLES.webshare.value as never,
    });
    subUserId = created.data!.id;
  });
  afterAll(async () => {
    await hook?.close();
    await gateway?.close();
    const documented = recorder.validator.documentedAnswers().length;
    const seen = recorder.validator.documentedAnswers().filter((answer) => recorder.seen.has(answer)).length;
    console.log(
      `contract (other operations): ${recorder.checked} answers checked, ${seen} of ${documented} documented answers seen`,
    );
  });

  it('health: live and ready, without a key and (ready) with the admin key', async () => {
    const live = await rawCall(gateway, recorder, 'GET', '/health/live');
    const ready = await rawCall(gateway, recorder, 'GET', '/health/ready');
    const detailed = await admin.GET('/health/ready');
    expect([live.status, live.json, ready.status, ready.json]).toEqual([
      200,
      { status: 'ok' },
      200,
      { status: 'ok', database: 'up', providers: 'up' },
    ]);
    expect(detailed.data).toMatchObject({ status: 'ok', providers: expect.any(Array) });
    expectNoViolations(recorder);
  });

  it('providers and provider accounts: list, get, register (409 on a taken name, 502 on a refused key), change, remove (409 while it holds sub-users)', async () => {
    const providers = await admin.GET('/v1/providers');
    expect(providers.data?.items.map((item) => item.name).sort()).toEqual([
      'iproyal',
      'proxyhat',
      'webshare',
    ]);
    const accounts = await admin.GET('/v1/provider-accounts');
    const webshare = accounts.data!.items.find((account) => account.provider === 'webshare')!;
    expect(
      (await admin.GET('/v1/provider-accounts/{id}', { params: { path: { id: webshare.id } } })).data?.id,
    ).toBe(webshare.id);
    const sandbox = sandboxOf(gateway);
    const body = {
      provider: 'webshare' as const,
      name: `contract-${randomUUID().slice(0, 8)}`,
      apiKey: 'ws-sandbox-key',
      baseUrl: sandbox.webshareBaseUrl,
    };
    const registered = await admin.POST('/v1/provider-accounts', { body });
    expect([registered.response.status, registered.data?.isDefault]).toEqual([201, false]);
    const taken = await admin.POST('/v1/provider-accounts', { body });
    expect([taken.response.status, taken.error?.code]).toEqual([409, 'CONFLICT']);
    const refused = await admin.POST('/v1/provider-accounts', {
      body: { ...body, name: `${body.name}-bad`, apiKey: 'not-a-sandbox-key' },
    });
    expect([refused.response.status, refused.error?.code]).toEqual([502, 'PROVIDER_AUTH_FAILED']);
    const changed = await admin.PATCH('/v1/provider-accounts/{id}', {
      params: { path: { id: registered.data!.id } },
      body: { name: `${body.name}-renamed`, planId: null },
    });
    expect(changed.data?.name).toBe(`${body.name}-renamed`);
    const removed = await admin.DELETE('/v1/provider-accounts/{id}', {
      params: { path: { id: registered.data!.id } },
    });
    expect(removed.response.status).toBe(200);
    const busy = await admin.DELETE('/v1/provider-accounts/{id}', { params: { path: { id: webshare.id } } });
    expect([busy.response.status, busy.error?.code]).toEqual([409, 'CONFLICT']);
    const missing = await admin.GET('/v1/provider-accounts/{id}', { params: { path: { id: randomUUID() } } });
    expect([missing.response.status, missing.error?.code]).toEqual([404, 'NOT_FOUND']);
    expectNoViolations(recorder);
  });

  it('access: API keys (create, list, revoke, 404) and tenants (create, 409, list, change, 404); a tenant key gets 403 on admin routes', async () => {
    const tenant = await admin.POST('/v1/tenants', {
      body: { name: `contract-${randomUUID().slice(0, 8)}` },
    });
    expect(tenant.response.status).toBe(201);
    const again = await admin.POST('/v1/tenants', { body: { name: tenant.data!.name } });
    expect([again.response.status, again.error?.code]).toEqual([409, 'CONFLICT']);
    expect(
      (await admin.GET('/v1/tenants', { params: { query: { limit: 5 } } })).data?.items.length,
    ).toBeGreaterThan(0);
    const budget = await admin.PATCH('/v1/tenants/{id}', {
      params: { path: { id: tenant.data!.id } },
      body: { usageThresholds: [50, 100], budget: { maxSubUsers: 10, period: 'month', onExceed: 'notify' } },
    });
    expect(budget.data?.budget).toMatchObject({ maxSubUsers: 10 });
    const noTenant = await admin.PATCH('/v1/tenants/{id}', {
      params: { path: { id: randomUUID() } },
      body: {},
    });
    expect([noTenant.response.status, noTenant.error?.code]).toEqual([404, 'NOT_FOUND']);

    const key = await admin.POST('/v1/api-keys', {
      body: {
        name: 'contract-tenant-key',
        tenantId: tenant.data!.id,
        scopes: ['sub-users:read', 'sub-users:write'],
      },
    });
    expect([key.response.status, key.data?.key]).toEqual([201, expect.stringMatching(/^sgw_/)]);
    const tenantClient = contractClient(gateway, key.data!.key, recorder);
    const forbidden = await tenantClient.GET('/v1/api-keys');
    expect([forbidden.response.status, forbidden.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect(
      (await admin.GET('/v1/api-keys', { params: { query: { tenantId: tenant.data!.id } } })).data?.items,
    ).toHaveLength(1);
    const revoked = await admin.DELETE('/v1/api-keys/{id}', { params: { path: { id: key.data!.id } } });
    expect(revoked.data?.revokedAt).toEqual(expect.any(String));
    const gone = await tenantClient.GET('/v1/sub-users');
    expect([gone.response.status, gone.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await admin.DELETE('/v1/api-keys/{id}', { params: { path: { id: randomUUID() } } });
    expect([unknown.response.status, unknown.error?.code]).toEqual([404, 'NOT_FOUND']);
    expectNoViolations(recorder);
  });

  it('jobs and sync: a sync job, bulk create and bulk update jobs, the job list; 422 on bad filters', async () => {
    const sync = await admin.POST('/v1/sync', { body: {} });
    expect([sync.response.status, sync.data?.type]).toEqual([202, 'sync']);
    expect((await finishedJob(admin, sync.data!.id)).status).toBe('succeeded');
    const badSync = await admin.POST('/v1/sync', { body: { providerAccountId: randomUUID() } });
    expect([badSync.response.status, badSync.error?.code]).toEqual([422, 'VALIDATION_FAILED']);

    const bulkCreate = await admin.POST('/v1/sub-users/bulk-create', {
      body: {
        items: [
          { provider: 'proxyhat', name: 'bulk-a', trafficLimit: '1GB' },
          { provider: 'webshare', name: 'bulk-b', groupId: 'not-on-webshare' },
        ],
      },
    });
    expect(bulkCreate.response.status).toBe(202);
    const created = await finishedJob(admin, bulkCreate.data!.id);
    expect((created.results as { outcome: string }[]).map((item) => item.outcome)).toEqual([
      'created',
      'failed',
    ]);
    const createdId = (created.results as { id?: string }[])[0].id!;
    const bulkUpdate = await admin.POST('/v1/sub-users/bulk-update', {
      body: { items: [{ id: createdId, notes: 'bulk note' }] },
    });
    expect((await finishedJob(admin, bulkUpdate.data!.id)).status).toBe('succeeded');

    const jobs = await admin.GET('/v1/jobs', { params: { query: { status: 'succeeded', limit: 10 } } });
    expect(jobs.data?.items.length).toBeGreaterThanOrEqual(3);
    const badJobs = await rawCall(gateway, recorder, 'GET', '/v1/jobs?status=done', {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect([badJobs.status, badJobs.json.code]).toEqual([422, 'VALIDATION_FAILED']);
    expectNoViolations(recorder);
  });

  it('audit, usage and events: lists, filters, CSV, one event; 404 and 422', async () => {
    const audit = await admin.GET('/v1/audit-events', {
      params: { query: { action: 'sub-user.created', since: '2026-01-01T00:00:00Z', limit: 5 } },
    });
    expect(audit.data?.items.length).toBeGreaterThan(0);
    const badAudit = await rawCall(gateway, recorder, 'GET', '/v1/audit-events?since=yesterday', {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect([badAudit.status, badAudit.json.code]).toEqual([422, 'VALIDATION_FAILED']);

    const series = await admin.GET('/v1/sub-users/{id}/usage', {
      params: { path: { id: subUserId }, query: { granularity: 'day' } },
    });
    expect(series.data).toEqual({ items: expect.any(Array), totalBytes: expect.any(Number) });
    const csv = await rawCall(gateway, recorder, 'GET', `/v1/sub-users/${subUserId}/usage`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, accept: 'text/csv' },
    });
    expect([csv.status, csv.headers['content-type']]).toEqual([200, expect.stringContaining('text/csv')]);
    const rollup = await admin.GET('/v1/usage', { params: { query: { groupBy: 'provider' } } });
    expect(rollup.response.status).toBe(200);
    const badRollup = await admin.GET('/v1/usage', { params: { query: { groupBy: 'colour' } } });
    expect([badRollup.response.status, badRollup.error?.code]).toEqual([422, 'VALIDATION_FAILED']);
    const noUsage = await admin.GET('/v1/sub-users/{id}/usage', { params: { path: { id: randomUUID() } } });
    expect([noUsage.response.status, noUsage.error?.code]).toEqual([404, 'NOT_FOUND']);

    const events = await admin.GET('/v1/events', { params: { query: { limit: 5 } } });
    expect(events.data!.items.length).toBeGreaterThan(0);
    const event = await admin.GET('/v1/events/{id}', { params: { path: { id: events.data!.items[0].id } } });
    expect(event.data?.id).toBe(events.data!.items[0].id);
    const noEvent = await admin.GET('/v1/events/{id}', { params: { path: { id: randomUUID() } } });
    expect([noEvent.response.status, noEvent.error?.code]).toEqual([404, 'NOT_FOUND']);
    expectNoViolations(recorder);
  });

  it('webhooks: register, list, get, change, test, deliveries, retry, rotate the secret, remove; 404 and 422', async () => {
    const registered = await admin.POST('/v1/webhook-endpoints', {
      body: { url: hook.url, description: 'contract' },
    });
    expect([registered.response.status, typeof registered.data?.secret]).toEqual([201, 'string']);
    const id = registered.data!.id;
    expect((await admin.GET('/v1/webhook-endpoints')).data?.items.map((item) => item.id)).toContain(id);
    expect((await admin.GET('/v1/webhook-endpoints/{id}', { params: { path: { id } } })).data?.url).toBe(
      hook.url,
    );
    const changed = await admin.PATCH('/v1/webhook-endpoints/{id}', {
      params: { path: { id } },
      body: { description: 'contract, changed' },
    });
    expect(changed.data?.description).toBe('contract, changed');
    const tested = await admin.POST('/v1/webhook-endpoints/{id}/test', { params: { path: { id } } });
    expect(tested.response.status).toBe(200);
    const deliveries = await admin.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id } } });
    expect(deliveries.data!.items.length).toBeGreaterThan(0);
    const retried = await admin.POST('/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry', {
      params: { path: { id, deliveryId: deliveries.data!.items[0].id } },
    });
    expect(retried.response.status).toBe(200);
    const rotated = await admin.POST('/v1/webhook-endpoints/{id}/rotate-secret', {
      params: { path: { id } },
    });
    expect(rotated.data?.secret).not.toBe(registered.data!.secret);
    const refused = await admin.POST('/v1/webhook-endpoints', { body: { url: 'ftp://example.com/hook' } });
    expect([refused.response.status, refused.error?.code]).toEqual([422, 'VALIDATION_FAILED']);
    const removed = await admin.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id } } });
    expect(removed.response.status).toBe(200);
    const missing = await admin.GET('/v1/webhook-endpoints/{id}', { params: { path: { id } } });
    expect([missing.response.status, missing.error?.code]).toEqual([404, 'NOT_FOUND']);
    expectNoViolations(recorder);
  });

  it('every operation of the document answered a 2xx in the contract tests', () => {
    // The sub-user operations are driven in sub-users.contract.e2e-spec.ts; here each once more.
    const operations = recorder.validator.operations();
    const succeeded = new Set(
      [...recorder.seen].filter((seen) => /\s2\d\d$/.test(seen)).map((seen) => seen.replace(/\s\d+$/, '')),
    );
    const subUserOperations = operations.filter(
      (operation) => / \/v1\/sub-users(\/|$)/.test(operation) && !operation.includes('/usage'),
    );
    expect(
      operations.filter((operation) => !succeeded.has(operation) && !subUserOperations.includes(operation)),
    ).toEqual([]);
  });
});
