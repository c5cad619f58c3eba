import { randomUUID } from 'node:crypto';
import { CreateSubUser, GatewayClient, UpdateSubUser } from '../../clients/typescript/src';
import { CREATE_SUB_USER_EXAMPLES, UPDATE_SUB_USER_EXAMPLES } from '../../apps/gateway/src/docs/examples';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY } from '../sub-users/sub-users-helpers';
import { contractClient, expectNoViolations, finishedJob, rawCall } from './contract-kit';
import { ContractRecorder, ContractValidator } from './openapi-validator';

/**
 * The sub-user API as a caller sees it: every call goes through the generated typed client
 * (clients/typescript) and every answer is checked against the committed openapi.json (status,
 * content type, body schema read as closed, headers). One full flow per provider, starting from
 * the very examples Swagger UI offers, then each documented error of the sub-user operations.
 */
type Provider = 'webshare' | 'proxyhat' | 'iproyal';
const PROVIDERS: Provider[] = ['webshare', 'proxyhat', 'iproyal'];

describe('contract: the sub-user operations answer what openapi.json says', () => {
  const recorder = new ContractRecorder(new ContractValidator());
  let gateway: RunningGateway;
  let admin: GatewayClient;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '300', BODY_LIMIT_BYTES: '65536' },
      { registry: FAST_REGISTRY },
    );
    admin = contractClient(gateway, TEST_ADMIN_KEY, recorder);
  });
  afterAll(async () => {
    await gateway?.close();
    const documented = recorder.validator.documentedAnswers();
    const seen = documented.filter((answer) => recorder.seen.has(answer));
    console.log(
      `contract (sub-users): ${recorder.checked} answers checked, ${seen.length} of ${documented.length} documented answers seen`,
    );
  });
  afterEach(() => {
    sandboxOf(gateway).control.clearFaults();
  });

  it.each(PROVIDERS)(
    '%s: create (the Swagger example), replay, get, patch (the Swagger example), list with metadata filters, credentials, bulk delete and its job, audit',
    async (provider) => {
      const example = CREATE_SUB_USER_EXAMPLES[provider].value as CreateSubUser;
      const tag = `c-${provider}-${randomUUID().slice(0, 8)}`;
      const body: CreateSubUser = { ...example, metadata: { customerId: tag } };
      const key = randomUUID();

      const created = await admin.POST('/v1/sub-users', {
        body,
        params: { header: { 'Idempotency-Key': key } },
      });
      expect(created.response.status).toBe(201);
      const subUser = created.data!;
      expect({ provider: subUser.provider, name: subUser.name, status: subUser.status }).toEqual({
        provider,
        name: example.name,
        status: 'active',
      });
      expect(created.response.headers.get('etag')).toMatch(/^"v\d+"$/);
      expect(typeof subUser.proxyPassword === 'string').toBe(provider !== 'webshare');

      const replay = await admin.POST('/v1/sub-users', {
        body,
        params: { header: { 'Idempotency-Key': key } },
      });
      expect([
        replay.response.status,
        replay.response.headers.get('idempotent-replayed'),
        replay.data?.id,
      ]).toEqual([201, 'true', subUser.id]);

      const read = await admin.GET('/v1/sub-users/{id}', { params: { path: { id: subUser.id } } });
      expect(read.data?.id).toBe(subUser.id);
      const fresh = await admin.GET('/v1/sub-users/{id}', {
        params: { path: { id: subUser.id }, query: { fresh: true } },
      });
      const etag = fresh.response.headers.get('etag')!;

      const patched = await admin.PATCH('/v1/sub-users/{id}', {
        params: { path: { id: subUser.id }, header: { 'If-Match': etag } },
        body: UPDATE_SUB_USER_EXAMPLES[provider].value as UpdateSubUser,
      });
      expect(patched.response.status).toBe(200);
      expect(patched.data!.metadata).toEqual({ customerId: tag, plan: 'gold' });
      const stale = await admin.PATCH('/v1/sub-users/{id}', {
        params: { path: { id: subUser.id }, header: { 'If-Match': etag } },
        body: { notes: 'too late' },
      });
      expect([stale.response.status, stale.error?.code]).toEqual([412, 'PRECONDITION_FAILED']);
      const renamed = await admin.PATCH('/v1/sub-users/{id}', {
        params: { path: { id: subUser.id } },
        body: UPDATE_SUB_USER_EXAMPLES.tags.value as UpdateSubUser,
      });
      expect(renamed.data?.metadata).toEqual({ customerId: tag, plan: 'gold' });

      // Filters: deepObject (what the client and Swagger UI send) and the dotted form.
      const listed = await admin.GET('/v1/sub-users', {
        params: { query: { provider, metadata: { customerId: tag, plan: 'gold' }, limit: 10 } },
      });
      expect(listed.data?.items.map((item) => item.id)).toEqual([subUser.id]);
      expect(listed.data?.nextCursor).toBeNull();
      const dotted = await rawCall(gateway, recorder, 'GET', `/v1/sub-users?metadata.customerId=${tag}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      expect(dotted.json.items.map((item: { id: string }) => item.id)).toEqual([subUser.id]);
      const none = await admin.GET('/v1/sub-users', {
        params: { query: { metadata: { customerId: `${tag}-x` } } },
      });
      expect(none.data?.items).toEqual([]);

      const credentials = await admin.GET('/v1/sub-users/{id}/credentials', {
        params: { path: { id: subUser.id } },
      });
      expect(credentials.data?.proxyUrls.length).toBeGreaterThan(0);

      // A second one, deleted with the first in one bulk delete.
      const other = await admin.POST('/v1/sub-users', {
        body: { ...body, name: `${example.name}-2` },
      });
      expect(other.response.status).toBe(201);
      const accepted = await admin.POST('/v1/sub-users/bulk-delete', {
        body: { ids: [subUser.id, other.data!.id, randomUUID()] },
      });
      expect([accepted.response.status, accepted.data?.type, accepted.data?.status]).toEqual([
        202,
        'sub-users.bulk-delete',
        'queued',
      ]);
      const job = await finishedJob(admin, accepted.data!.id);
      expect(job.status).toBe('succeeded');
      expect(job.counts).toEqual(expect.objectContaining({ requested: 3, deleted: 2, notFound: 1 }));
      const gone = await admin.GET('/v1/sub-users/{id}', { params: { path: { id: subUser.id } } });
      expect(['deleted', 'deleting']).toContain(gone.data?.status);

      const audit = await admin.GET('/v1/audit-events', { params: { query: { targetId: subUser.id } } });
      expect(audit.data?.items.map((event) => event.action)).toEqual(
        expect.arrayContaining(['sub-user.created', 'sub-user.updated']),
      );
      const jobs = await admin.GET('/v1/jobs', {
        params: { query: { type: 'sub-users.bulk-delete', limit: 5 } },
      });
      expect(jobs.data?.items.map((item) => item.id)).toContain(job.id);
      expectNoViolations(recorder);
    },
  );

  it.each(PROVIDERS)(
    '%s: every field the provider cannot hold is refused in one 422 UNSUPPORTED_BY_PROVIDER, each in errors[]',
    async (provider) => {
      const { data: providers } = await admin.GET('/v1/providers');
      const fields = providers!.items.find((item) => item.name === provider)!.fields;
      const apiName: Record<string, string> = { trafficLimitBytes: 'trafficLimit' };
      const unsupported = Object.entries(fields)
        .filter(([, support]) => support.support === 'unsupported')
        .map(([field]) => apiName[field] ?? field);
      const valueOf: Record<string, unknown> = {
        maxConcurrency: 10,
        countries: { US: 1 },
        groupId: 'group-1',
        proxyUsername: 'customer42',
        proxyPassword: 'S3cure-proxy-pass',
      };
      expect(unsupported.length).toBeGreaterThanOrEqual(2);
      const body = Object.fromEntries(unsupported.map((field) => [field, valueOf[field]]));
      const refused = await admin.POST('/v1/sub-users', {
        body: { provider, name: 'all-at-once', trafficLimit: '1GB', ...body } as CreateSubUser,
      });
      expect(refused.response.status).toBe(422);
      expect(refused.error).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider, source: 'gateway' });
      expect(refused.error!.errors!.map((error) => error.field).sort()).toEqual([...unsupported].sort());

      // The same on a change: create one with what it holds, then ask for everything else.
      const created = await admin.POST('/v1/sub-users', {
        body: { provider, name: 'all-at-once-update', trafficLimit: '1GB' },
      });
      const updatable = unsupported.filter((field) => field !== 'proxyPassword');
      const patch = Object.fromEntries(updatable.map((field) => [field, valueOf[field]]));
      const changed = await admin.PATCH('/v1/sub-users/{id}', {
        params: { path: { id: created.data!.id } },
        body: patch as UpdateSubUser,
      });
      expect([changed.response.status, changed.error?.code]).toEqual([422, 'UNSUPPORTED_BY_PROVIDER']);
      expect(changed.error!.errors!.map((error) => error.field).sort()).toEqual([...updatable].sort());
      expectNoViolations(recorder);
    },
  );

  it('provider-only operations answer their result or 422 UNSUPPORTED_BY_PROVIDER, as documented', async () => {
    const ids: Record<Provider, string> = {} as Record<Provider, string>;
    for (const provider of PROVIDERS) {
      const created = await admin.POST('/v1/sub-users', {
        body: CREATE_SUB_USER_EXAMPLES[provider].value as CreateSubUser,
      });
      ids[provider] = created.data!.id;
    }
    const expectations: Record<string, Record<Provider, number>> = {
      '/v1/sub-users/{id}/refresh-proxy-list': { webshare: 200, proxyhat: 422, iproyal: 422 },
      '/v1/sub-users/{id}/reset-usage': { webshare: 422, proxyhat: 200, iproyal: 422 },
      '/v1/sub-users/{id}/rotate-password': { webshare: 422, proxyhat: 200, iproyal: 200 },
    };
    const seen: Record<string, Record<string, number>> = {};
    for (const [path, byProvider] of Object.entries(expectations)) {
      seen[path] = {};
      for (const provider of PROVIDERS) {
        const answer = await admin.POST(path as '/v1/sub-users/{id}/reset-usage', {
          params: { path: { id: ids[provider] } },
        });
        seen[path][provider] = answer.response.status;
        if (answer.error) expect(answer.error.code).toBe('UNSUPPORTED_BY_PROVIDER');
      }
      expect([path, seen[path]]).toEqual([path, byProvider]);
    }
    for (const provider of PROVIDERS) {
      const suspended = await admin.POST('/v1/sub-users/{id}/suspend', {
        params: { path: { id: ids[provider] } },
      });
      expect([provider, suspended.response.status, suspended.data?.status]).toEqual([
        provider,
        200,
        'suspended',
      ]);
      const resumed = await admin.POST('/v1/sub-users/{id}/resume', {
        params: { path: { id: ids[provider] } },
      });
      expect([provider, resumed.response.status, resumed.data?.status]).toEqual([provider, 200, 'active']);
      const removed = await admin.DELETE('/v1/sub-users/{id}', { params: { path: { id: ids[provider] } } });
      expect(removed.response.status).toBe(200);
    }
    expectNoViolations(recorder);
  });

  it('refuses bad requests as documented: 400, 401, 403, 404, 409, 413, 422', async () => {
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    // 400: not JSON, and not application/json.
    const notJson = await rawCall(gateway, recorder, 'POST', '/v1/sub-users', {
      headers: auth,
      body: '{"name":',
    });
    const notJsonType = await rawCall(gateway, recorder, 'POST', '/v1/sub-users', {
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    // 413: over BODY_LIMIT_BYTES.
    const tooLarge = await rawCall(gateway, recorder, 'POST', '/v1/sub-users', {
      headers: auth,
      body: JSON.stringify({ name: 'x', notes: 'n'.repeat(70_000) }),
    });
    // 401: no key, an unknown key.
    const noKey = await rawCall(gateway, recorder, 'GET', '/v1/sub-users');
    const unknownKey = await rawCall(gateway, recorder, 'GET', '/v1/sub-users', {
      headers: { authorization: 'Bearer sgw_not_a_key_000000000000000000' },
    });
    expect(
      [notJson, notJsonType, tooLarge, noKey, unknownKey].map((answer) => [answer.status, answer.json.code]),
    ).toEqual([
      [400, 'MALFORMED_REQUEST'],
      [400, 'MALFORMED_REQUEST'],
      [413, 'PAYLOAD_TOO_LARGE'],
      [401, 'UNAUTHENTICATED'],
      [401, 'UNAUTHENTICATED'],
    ]);
    expect(unknownKey.headers['www-authenticate']).toContain('invalid_token');

    // 403: a read-only key writing.
    const { data: readOnly } = await admin.POST('/v1/api-keys', {
      body: { name: 'contract-read-only', scopes: ['sub-users:read'] },
    });
    const reader = contractClient(gateway, readOnly!.key, recorder);
    const forbidden = await reader.POST('/v1/sub-users', { body: { provider: 'webshare', name: 'nope' } });
    expect([forbidden.response.status, forbidden.error?.code, forbidden.error?.requiredScope]).toEqual([
      403,
      'FORBIDDEN',
      'sub-users:write',
    ]);

    // 404: unknown ids.
    const missing = randomUUID();
    const notFound = [
      await admin.GET('/v1/sub-users/{id}', { params: { path: { id: missing } } }),
      await admin.PATCH('/v1/sub-users/{id}', { params: { path: { id: missing } }, body: { notes: 'x' } }),
      await admin.DELETE('/v1/sub-users/{id}', { params: { path: { id: missing } } }),
      await admin.GET('/v1/sub-users/{id}/credentials', { params: { path: { id: missing } } }),
      await admin.POST('/v1/sub-users/{id}/suspend', { params: { path: { id: missing } } }),
      await admin.GET('/v1/jobs/{id}', { params: { path: { id: missing } } }),
    ];
    expect(notFound.map((answer) => [answer.response.status, answer.error?.code])).toEqual(
      notFound.map(() => [404, 'NOT_FOUND']),
    );

    // 422: every invalid field at once; a bad query; a bad cursor; a bad Idempotency-Key.
    const invalid = await admin.POST('/v1/sub-users', {
      body: { provider: 'webshare', name: '', trafficLimit: 0 },
    });
    expect([invalid.response.status, invalid.error?.code]).toEqual([422, 'VALIDATION_FAILED']);
    expect(invalid.error!.errors!.map((error) => error.field).sort()).toEqual(['name', 'trafficLimit']);
    const badQuery = await admin.GET('/v1/sub-users', {
      params: { query: { limit: 501, metadata: { 'bad key!': 'x' } } },
    });
    expect(badQuery.error!.errors!.map((error) => error.field).sort()).toEqual(['limit', 'metadata']);
    const badCursor = await admin.GET('/v1/sub-users', { params: { query: { cursor: 'garbage' } } });
    expect([badCursor.response.status, badCursor.error?.errors]).toEqual([
      422,
      [{ field: 'cursor', message: 'is not a cursor this endpoint issued' }],
    ]);
    const badKey = await admin.POST('/v1/sub-users', {
      body: { provider: 'webshare', name: 'x' },
      params: { header: { 'Idempotency-Key': 'ä'.repeat(3) } },
    });
    expect([badKey.response.status, badKey.error?.code]).toEqual([422, 'VALIDATION_FAILED']);

    // 409: the same Idempotency-Key with another body.
    const key = randomUUID();
    await admin.POST('/v1/sub-users', {
      body: { provider: 'webshare', name: 'key-first' },
      params: { header: { 'Idempotency-Key': key } },
    });
    const reused = await admin.POST('/v1/sub-users', {
      body: { provider: 'webshare', name: 'key-second' },
      params: { header: { 'Idempotency-Key': key } },
    });
    expect([reused.response.status, reused.error?.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    expectNoViolations(recorder);
  });

  it('reports provider failures as documented: 422 PROVIDER_REJECTED, 404 PROVIDER_NOT_FOUND, 502, 503 (with Retry-After), 504', async () => {
    const { control } = sandboxOf(gateway);
    const created = await admin.POST('/v1/sub-users', { body: { provider: 'proxyhat', name: 'faulty' } });
    const id = created.data!.id;
    const freshRead = () =>
      admin.GET('/v1/sub-users/{id}', { params: { path: { id }, query: { fresh: true } } });
    const cases: [Parameters<typeof control.addFault>[0], number, string][] = [
      [{ provider: 'proxyhat', operation: 'get', mode: 'error', status: 401 }, 502, 'PROVIDER_AUTH_FAILED'],
      [{ provider: 'proxyhat', operation: 'get', mode: 'error', status: 503 }, 503, 'PROVIDER_UNAVAILABLE'],
      [
        { provider: 'proxyhat', operation: 'get', mode: 'rate-limit', retryAfter: 0 },
        503,
        'PROVIDER_RATE_LIMITED',
      ],
      [{ provider: 'proxyhat', operation: 'get', mode: 'timeout-before' }, 504, 'PROVIDER_TIMEOUT'],
      [{ provider: 'proxyhat', operation: 'get', mode: 'error', status: 404 }, 404, 'PROVIDER_NOT_FOUND'],
    ];
    for (const [fault, status, code] of cases) {
      control.clearFaults();
      control.addFault(fault);
      const answer = await freshRead();
      expect([code, answer.response.status, answer.error?.code, answer.error?.source]).toEqual([
        code,
        status,
        code,
        'provider',
      ]);
    }
    control.clearFaults();
    control.addFault({ provider: 'proxyhat', operation: 'create', mode: 'error', status: 422 });
    const rejected = await admin.POST('/v1/sub-users', { body: { provider: 'proxyhat', name: 'rejected' } });
    expect([rejected.response.status, rejected.error?.code]).toEqual([422, 'PROVIDER_REJECTED']);
    expectNoViolations(recorder);
  });
});
