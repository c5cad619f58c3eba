import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';
import { admin, tableText } from '../access/access-helpers';
import { createSubUser } from '../sub-users/sub-users-helpers';
import { assertProperty, propertyRuns, propertyTimeout } from '../support/properties';
import { percentEncode, queryOf } from '../properties/hostile-text';
import { invalidBody, malformedBodies, notUuid, text } from './invalid-input';
import {
  Method,
  OpenApiDocument,
  OperationInfo,
  fillPath,
  isPublic,
  openApi,
  operationsOf,
  send,
} from './openapi-operations';

/**
 * Hostile and edge-case input for every documented operation (walked from /docs-json, so a new
 * endpoint is covered without editing this file). Every answer must be a 4xx problem+json with a
 * code, never a 5xx, and nothing may change in the database.
 *
 * Compared before and after each property: sub_user_mappings, provider_accounts, api_keys, tenants,
 * jobs and audit_events. Bad input is refused before any provider is called, so not even a refused
 * provider call is audited: audit_events must stay the same too. idempotency_records is left out on
 * purpose: 4xx answers to a request with an Idempotency-Key are stored for replay by design.
 *
 * Every body here has at least one invalid field, so this file proves refusals only; input that
 * passes validation with hostile strings is test/properties/valid-hostile.e2e-spec.ts, and strings
 * of every Unicode category in every field is test/properties/hostile-strings.e2e-spec.ts.
 */
const BODY_LIMIT_BYTES = 256 * 1024;
const TABLES = ['sub_user_mappings', 'provider_accounts', 'api_keys', 'tenants', 'jobs', 'audit_events'];
/**
 * Left out of the comparison: when the caller's own key was last used. A refused request is still
 * an authenticated one, and the key's last use is written once a minute (a property that runs
 * longer than a minute saw it move).
 */
const BOOKKEEPING = ['last_used_at'];
/** 40 by default; PROPERTY_RUNS scales it (see test/README.md). */
const NUM_RUNS = propertyRuns(1.6);
// The largest property makes NUM_RUNS × 3 requests; with PROPERTY_RUNS=500 that outlasts Jest's 60 s.
jest.setTimeout(propertyTimeout(NUM_RUNS * 3, 100));

describe('bad input on every endpoint: 4xx problem+json, never a 5xx, the database unchanged', () => {
  let gateway: RunningGateway;
  let document: OpenApiDocument;
  let operations: OperationInfo[];
  let target: { id: string; etag: string };
  let requests = 0;

  beforeAll(async () => {
    gateway = await startTestGateway({
      ...SANDBOX_ENV,
      BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      RATE_LIMIT_PER_MINUTE: '10000000',
    });
    document = await openApi(gateway);
    operations = operationsOf(document).filter((operation) => !isPublic(operation.path));
    const created = await createSubUser(gateway, { provider: 'webshare', name: 'bad-input-target' });
    const read = await request(gateway.url).get(`/v1/sub-users/${created.id}`).set(admin).expect(200);
    target = { id: created.id, etag: read.headers.etag };
  });
  afterAll(async () => {
    await gateway?.close();
    console.log(`bad-input suite: ${requests} hostile requests over ${operations?.length} operations`);
  });

  async function databaseText(): Promise<Record<string, string>> {
    return Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => [table, await tableText(gateway, table, BOOKKEEPING)] as const),
      ),
    );
  }

  /** Runs a property and checks the database did not change over it. */
  async function unchanged(run: () => Promise<void>): Promise<void> {
    const before = await databaseText();
    await run();
    const after = await databaseText();
    for (const table of TABLES) expect({ table, text: after[table] }).toEqual({ table, text: before[table] });
  }

  function expect4xx(response: request.Response, label: string): void {
    requests += 1;
    const seen = {
      label,
      status: response.status,
      type: String(response.headers['content-type']),
      code: response.body?.code,
    };
    const ok =
      response.status >= 400 &&
      response.status < 500 &&
      seen.type.startsWith('application/problem+json') &&
      typeof seen.code === 'string';
    if (!ok)
      throw new Error(`expected a 4xx problem+json: ${JSON.stringify(seen)} ${response.text.slice(0, 500)}`);
  }

  /**
   * Operations with a known bug, kept out of the shared properties so they do not hide other
   * failures; the last test runs the same generators on them alone (and fails until it is fixed).
   */
  const QUARANTINED = ['post /v1/sync'];
  const allBodyOperations = () => operations.filter((operation) => operation.requestSchemaRef !== undefined);
  const bodyOperations = () =>
    allBodyOperations().filter((operation) => !QUARANTINED.includes(`${operation.method} ${operation.path}`));
  const schemaOf = (operation: OperationInfo) => document.components.schemas[operation.requestSchemaRef!];
  /** Path ids that reach the handler: the real sub-user, so validation is what refuses. */
  const realPath = (operation: OperationInfo) => fillPath(operation.path, target.id);

  // ---- properties --------------------------------------------------------------------------------

  it('walks every documented operation', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(bodyOperations().map((operation) => operation.requestSchemaRef)).toEqual(
      expect.arrayContaining([
        'CreateSubUserDto',
        'UpdateSubUserDto',
        'BulkDeleteDto',
        'CreateProviderAccountDto',
        'CreateApiKeyDto',
        'CreateTenantDto',
      ]),
    );
  });

  it('refuses bodies with a wrong type, huge or unicode strings, bad traffic limits or unknown fields (every body operation)', async () => {
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(
          fc
            .constantFrom(...bodyOperations())
            .chain((operation) => fc.tuple(fc.constant(operation), invalidBody(schemaOf(operation)))),
          async ([operation, body]) => {
            const response = await send(gateway, operation.method, realPath(operation), admin)
              .set('content-type', 'application/json')
              .send(JSON.stringify(body));
            expect4xx(
              response,
              `${operation.method} ${operation.path} ${JSON.stringify(body).slice(0, 300)}`,
            );
          },
        ),
        { numRuns: NUM_RUNS * 3 },
      );
    });
  });

  it('refuses null in every body property its schema does not mark nullable, naming the property', async () => {
    const nullable = (property: Record<string, any>) =>
      property.nullable === true ||
      [...(property.allOf ?? []), ...(property.oneOf ?? []), ...(property.anyOf ?? [])].some(
        (branch: Record<string, any>) => branch.nullable === true,
      );
    let checked = 0;
    await unchanged(async () => {
      for (const operation of allBodyOperations()) {
        const schema = schemaOf(operation);
        for (const [name, property] of Object.entries<Record<string, any>>(schema.properties ?? {})) {
          if (nullable(property)) continue;
          const response = await send(gateway, operation.method, realPath(operation), admin)
            .set('content-type', 'application/json')
            .send(JSON.stringify({ [name]: null }));
          const label = `${operation.method} ${operation.path} {"${name}": null}`;
          expect4xx(response, label);
          const fields = ((response.body.errors ?? []) as { field: string }[]).map((error) => error.field);
          expect({ label, named: fields.includes(name) }).toEqual({ label, named: true });
          checked += 1;
        }
      }
    });
    expect(checked).toBeGreaterThan(40);
  });

  it('refuses whole bodies of the wrong shape, malformed JSON, wrong content types and oversized bodies', async () => {
    const malformed = malformedBodies(BODY_LIMIT_BYTES);
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...bodyOperations()),
          malformed,
          async (operation, { payload, type }) => {
            const response = await send(gateway, operation.method, realPath(operation), admin)
              .set('content-type', type)
              .send(payload);
            expect4xx(response, `${operation.method} ${operation.path} ${type} ${payload.slice(0, 100)}`);
          },
        ),
        { numRuns: NUM_RUNS * 2 },
      );
    });
  });

  it('refuses bad ids in every path', async () => {
    const withId = operations.filter((operation) => operation.path.includes('{'));
    expect(withId.length).toBeGreaterThan(8);
    const badId = fc
      .oneof(
        text(60),
        fc.string({ unit: 'grapheme', minLength: 60, maxLength: 100 }),
        fc.uuid().filter((id) => id !== target.id),
        fc.constantFrom(
          '%',
          '%00',
          '..%2F..%2Fetc',
          'null',
          'undefined',
          '-1',
          '0',
          '1e9',
          "' OR 1=1 --",
          '<script>',
          '${jndi:x}',
          'bulk-delete',
        ),
      )
      // Longer ids: see the dedicated test below (Fastify's 100-character parameter limit).
      .filter((id) => percentEncode(id).length <= 100)
      .filter((id) => id.trim().length > 0 && !/^[./\\\s]+$/.test(id) && id !== target.id);
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(fc.constantFrom(...withId), badId, async (operation, id) => {
          // Byte for byte, lone surrogates included (encodeURIComponent would throw on them).
          const path = operation.path.replace(/\{[^}]+\}/g, percentEncode(id));
          const response = await send(gateway, operation.method, path, admin).send(
            operation.requestSchemaRef ? {} : undefined,
          );
          expect4xx(response, `${operation.method} ${path.slice(0, 200)}`);
        }),
        { numRuns: NUM_RUNS * 2 },
      );
    });
  });

  it('answers a path id longer than the router allows with problem+json too', async () => {
    const id = 'x'.repeat(150);
    for (const path of [`/v1/sub-users/${id}`, `/v1/api-keys/${id}`, `/v1/jobs/${id}`]) {
      const response = await request(gateway.url).get(path).set(admin);
      expect4xx(response, `GET ${path}`);
    }
  });

  it('refuses bad query parameters: limits, cursors, enums, uuids, dates, booleans, repeated and unknown ones', async () => {
    const withQuery = operations.filter(
      (operation) =>
        operation.method === 'get' && operation.parameters.some((parameter) => parameter.in === 'query'),
    );
    expect(withQuery.length).toBeGreaterThanOrEqual(5);
    const invalidParameter = (operation: OperationInfo): fc.Arbitrary<[string, string | string[]]> => {
      const options: fc.Arbitrary<[string, string | string[]]>[] = [];
      for (const parameter of operation.parameters.filter((item) => item.in === 'query')) {
        const schema = (parameter.schema ?? {}) as { enum?: string[]; format?: string; type?: string };
        const name = parameter.name;
        if (name === 'limit')
          options.push(
            fc
              .constantFrom('0', '-1', '501', '1.5', 'abc', '1e3', '-0.5', 'ten', '99999999999999999999')
              .map((value) => [name, value]),
          );
        if (name === 'cursor')
          options.push(
            fc
              .oneof(
                text(80),
                fc.constantFrom(
                  'garbage',
                  'eyJ9',
                  'eyJjIjoxfQ',
                  '%%%',
                  Buffer.from('{"c":"x","i":1}').toString('base64url'),
                  Buffer.from(
                    `{"c":"-200000-01-01T00:00:00.000Z","i":"5a0f4a8e-5b8b-4d7c-9f3e-2b7c1d0e9a11"}`,
                  ).toString('base64url'),
                ),
              )
              .filter((value) => value.length > 0)
              .map((value) => [name, value]),
          );
        if (schema.enum)
          options.push(
            text(20)
              .filter((value) => !schema.enum!.includes(value))
              .map((value) => [name, value]),
          );
        if (schema.format === 'uuid')
          options.push(notUuid.filter((value) => value.length > 0).map((value) => [name, value]));
        if (schema.format === 'date-time')
          options.push(
            fc
              .constantFrom(
                'yesterday',
                '2026-13-01',
                '31/12/2026',
                'NaN',
                '1e20',
                // Valid JavaScript dates PostgreSQL cannot hold, or outside what the API accepts.
                '-200000-01-01T00:00:00Z',
                '+275760-09-13T00:00:00Z',
                '0000-01-01T00:00:00Z',
              )
              .map((value) => [name, value]),
          );
        if (schema.type === 'boolean')
          options.push(
            fc.constantFrom('yes', '1', 'TRUE', '', 'null', 'maybe').map((value) => [name, value]),
          );
        if (name === 'limit' || schema.enum)
          options.push(fc.constant([name, ['1', '2']] as [string, string[]]));
      }
      return fc.oneof(...options);
    };
    const noise = fc.dictionary(
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
        .filter((key) => !['limit', 'cursor', 'fresh', 'status', 'provider'].includes(key)),
      text(40),
      { maxKeys: 3 },
    );
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(
          fc
            .constantFrom(...withQuery)
            .chain((operation) => fc.tuple(fc.constant(operation), invalidParameter(operation), noise)),
          async ([operation, [name, value], extra]) => {
            const pairs = Object.entries(extra).filter(([key]) => key !== name);
            for (const item of Array.isArray(value) ? value : [value]) pairs.push([name, item]);
            const path = `${realPath(operation)}?${queryOf(pairs)}`;
            const response = await send(gateway, 'get', path, admin);
            expect4xx(response, `GET ${path.slice(0, 300)}`);
          },
        ),
        { numRuns: NUM_RUNS * 2 },
      );
    });
  });

  it('refuses bad Authorization headers on every operation (401, whatever the value)', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
      maxLength: 200,
    });
    const badAuthorization = fc
      .oneof(
        printable,
        printable.map((value) => `Bearer ${value}`),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'bearer',
          `Bearer ${TEST_ADMIN_KEY}x`,
          `Bearer x${TEST_ADMIN_KEY}`,
          `Bearer ${TEST_ADMIN_KEY.slice(0, -1)}`,
          `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString('base64')}`,
          `Token ${TEST_ADMIN_KEY}`,
          `Bearer  ${TEST_ADMIN_KEY} extra`,
        ),
        fc.integer({ min: 1_000, max: 8_000 }).map((length) => `Bearer ${'k'.repeat(length)}`),
      )
      .filter((value) => value.trim() !== `Bearer ${TEST_ADMIN_KEY}` && value.trim().length > 0);
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...operations),
          badAuthorization,
          async (operation, authorization) => {
            const response = await send(gateway, operation.method, realPath(operation), {
              Authorization: authorization,
            }).send(operation.requestSchemaRef ? {} : undefined);
            expect4xx(
              response,
              `${operation.method} ${operation.path} Authorization: ${authorization.slice(0, 60)}`,
            );
            expect(response.status).toBe(401);
          },
        ),
        { numRuns: NUM_RUNS * 2 },
      );
    });
  });

  it('refuses bad If-Match on PATCH and DELETE (412, nothing changed) and bad Idempotency-Key headers', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 300,
    });
    const badIfMatch = fc
      .oneof(
        printable,
        fc.constantFrom('"v0"', 'W/"v999"', '"*"', '""', '"v1", "v2"', `${target?.etag ?? ''}x`),
      )
      .filter(
        (value) =>
          value.trim() !== '*' &&
          !value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === target.etag),
      );
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(fc.constantFrom<Method>('patch', 'delete'), badIfMatch, async (method, ifMatch) => {
          const response = await send(gateway, method, `/v1/sub-users/${target.id}`, {
            ...admin,
            'If-Match': ifMatch,
          }).send(method === 'patch' ? { name: 'changed-by-bad-if-match' } : undefined);
          expect4xx(response, `${method} If-Match: ${ifMatch}`);
          expect(response.status).toBe(412);
          expect(response.body.code).toBe('PRECONDITION_FAILED');
        }),
        { numRuns: NUM_RUNS },
      );
    });
    // A key longer than the documented 255 characters is refused before anything runs.
    const tooLong = fc.integer({ min: 256, max: 4_000 }).map((length) => 'i'.repeat(length));
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(tooLong, text(20), async (key, suffix) => {
          const response = await request(gateway.url)
            .post('/v1/tenants')
            .set(admin)
            .set('Idempotency-Key', key)
            .send({ name: `bad-key-${suffix.length}-${randomUUID()}` });
          expect4xx(response, `Idempotency-Key of ${key.length} characters`);
        }),
        { numRuns: 10 },
      );
    });
  });

  // Last: while it fails, the syncs it starts change the database under the other properties.
  it('validates the body of every quarantined operation (POST /v1/sync) like the others', async () => {
    const quarantined = allBodyOperations().filter((operation) =>
      QUARANTINED.includes(`${operation.method} ${operation.path}`),
    );
    expect(quarantined.length).toBe(QUARANTINED.length);
    await unchanged(async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...quarantined).chain((operation) =>
            fc.tuple(
              fc.constant(operation),
              fc.oneof(
                invalidBody(schemaOf(operation)).map((body) => ({
                  payload: JSON.stringify(body),
                  type: 'application/json',
                })),
                malformedBodies(BODY_LIMIT_BYTES),
              ),
            ),
          ),
          async ([operation, { payload, type }]) => {
            const response = await send(gateway, operation.method, realPath(operation), admin)
              .set('content-type', type)
              .send(payload);
            expect4xx(response, `${operation.method} ${operation.path} ${type} ${payload.slice(0, 100)}`);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });
  });
});
