import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { PROVIDER_NAMES } from '@app/domain';
import { IPROYAL_DESCRIPTION, PROXYHAT_DESCRIPTION, WEBSHARE_DESCRIPTION } from '@app/providers';
import { PROBLEM_CATALOG, ProblemCode } from '../../apps/gateway/src/common/problem/problem-details';
import { PROBLEM_DOCS } from '../../apps/gateway/src/common/problem/problem-responses';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { ContractValidator, JsonObject, ROOT, committedDocument } from './openapi-validator';

/**
 * openapi.json is the API's contract, committed at the repository root: the gateway must serve
 * exactly it (`npm run openapi:write` rewrites it), the typed client must be generated from it
 * (`npm run client:generate`), and it must keep the conventions a person and a generator rely on.
 */
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

interface Operation {
  label: string;
  path: string;
  method: string;
  operation: JsonObject;
}

function operationsOf(document: JsonObject): Operation[] {
  return Object.entries(document.paths as Record<string, JsonObject>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      label: `${method.toUpperCase()} ${path}`,
      path,
      method,
      operation: item[method] as JsonObject,
    })),
  );
}

/** Every named or single example of a media type or parameter: [where, value, schema]. */
function examplesOf(document: JsonObject): [string, unknown, unknown][] {
  const found: [string, unknown, unknown][] = [];
  const collect = (where: string, holder: JsonObject | undefined, schema: unknown) => {
    if (!holder) return;
    if (holder.example !== undefined) found.push([`${where} example`, holder.example, schema]);
    for (const [name, example] of Object.entries((holder.examples ?? {}) as Record<string, JsonObject>)) {
      found.push([`${where} examples.${name}`, example.value, schema]);
    }
  };
  for (const { label, operation } of operationsOf(document)) {
    for (const parameter of (operation.parameters ?? []) as JsonObject[]) {
      collect(`${label} parameter ${parameter.name}`, parameter, parameter.schema);
    }
    for (const [type, media] of Object.entries(
      (operation.requestBody?.content ?? {}) as Record<string, JsonObject>,
    )) {
      collect(`${label} request ${type}`, media, media.schema);
    }
    for (const [status, response] of Object.entries(
      (operation.responses ?? {}) as Record<string, JsonObject>,
    )) {
      for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, JsonObject>)) {
        collect(`${label} ${status} ${type}`, media, media.schema);
      }
    }
  }
  return found;
}

describe('openapi.json, the committed contract', () => {
  let gateway: RunningGateway;
  let served: JsonObject;
  const committed = committedDocument();
  const validator = new ContractValidator(committed);

  beforeAll(async () => {
    gateway = await startTestGateway(SANDBOX_ENV);
    served = (await request(gateway.url).get('/docs-json').expect(200)).body as JsonObject;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is the document the gateway serves at /docs-json (else: npm run openapi:write)', () => {
    const differing = [
      ...new Set([...Object.keys(served.paths), ...Object.keys(committed.paths)]).values(),
    ].filter((path) => JSON.stringify(served.paths[path]) !== JSON.stringify(committed.paths[path]));
    const schemas = [
      ...new Set([...Object.keys(served.components.schemas), ...Object.keys(committed.components.schemas)]),
    ].filter(
      (name) =>
        JSON.stringify(served.components.schemas[name]) !==
        JSON.stringify(committed.components.schemas[name]),
    );
    // Named first so a failure says where; then the whole documents.
    expect({ differingPaths: differing, differingSchemas: schemas }).toEqual({
      differingPaths: [],
      differingSchemas: [],
    });
    expect(served).toEqual(committed);
  });

  it('generates the committed typed client (else: npm run client:generate)', () => {
    const output = execFileSync(process.execPath, [join(ROOT, 'scripts', 'client-generate.js'), '--check'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output).toContain('matches openapi.json');
  });

  it('validates as OpenAPI 3', async () => {
    await expect(SwaggerParser.validate(structuredClone(committed) as never)).resolves.toBeDefined();
  });

  it('gives every operation a summary, a description, defined tags and an operationId', () => {
    const tags = new Set((committed.tags as JsonObject[]).map((tag) => tag.name));
    const gaps = operationsOf(committed).flatMap(({ label, operation }) => [
      ...(operation.summary ? [] : [`${label}: no summary`]),
      ...(operation.description ? [] : [`${label}: no description`]),
      ...(operation.operationId ? [] : [`${label}: no operationId`]),
      ...((operation.tags ?? []) as string[])
        .filter((tag) => !tags.has(tag))
        .map((tag) => `${label}: tag ${tag} undefined`),
    ]);
    expect(gaps).toEqual([]);
  });

  it('documents, on every authenticated operation, 401, 403, 429, 500 and 503 as problem+json, and X-Request-Id on every answer', () => {
    const gaps: string[] = [];
    for (const { label, path, operation } of operationsOf(committed)) {
      const responses = operation.responses as Record<string, JsonObject>;
      if (path.startsWith('/v1/')) {
        expect([label, operation.security]).toEqual([label, [{ bearer: [] }]]);
        for (const status of ['401', '403', '429', '500', '503']) {
          if (!responses[status]?.content?.['application/problem+json']) gaps.push(`${label}: no ${status}`);
        }
        if (!responses['429']?.headers?.['Retry-After']) gaps.push(`${label}: 429 without Retry-After`);
        if (!responses['401']?.headers?.['WWW-Authenticate'])
          gaps.push(`${label}: 401 without WWW-Authenticate`);
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!response.headers?.['X-Request-Id']) gaps.push(`${label} ${status}: no X-Request-Id`);
        if (
          Number(status) >= 400 &&
          path.startsWith('/v1/') &&
          !response.content?.['application/problem+json']
        ) {
          gaps.push(`${label} ${status}: not problem+json`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  it('gives each error status an example of that status for each code it lists, and documents every problem code', () => {
    const wrong: string[] = [];
    for (const { label, operation } of operationsOf(committed)) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, JsonObject>)) {
        const media = response.content?.['application/problem+json'];
        if (!media) continue;
        const examples = Object.entries((media.examples ?? {}) as Record<string, JsonObject>);
        if (examples.length === 0) wrong.push(`${label} ${status}: no example`);
        for (const [name, example] of examples) {
          const value = example.value as JsonObject;
          if (String(value.status) !== status || name !== value.code)
            wrong.push(`${label} ${status}: example ${name}`);
          if (PROBLEM_CATALOG[value.code as ProblemCode]?.status !== Number(status)) {
            wrong.push(`${label} ${status}: ${value.code} is not a ${status} code`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    const undocumented = (Object.keys(PROBLEM_CATALOG) as ProblemCode[]).filter(
      (code) => !PROBLEM_DOCS[code],
    );
    expect(undocumented).toEqual([]);
  });

  it('holds examples that match their schemas', () => {
    const examples = examplesOf(committed);
    expect(examples.length).toBeGreaterThan(100);
    const violations = examples.flatMap(([where, value, schema]) =>
      schema ? validator.schemaViolations(schema, value, where) : [],
    );
    expect(violations).toEqual([]);
  });

  it('offers one create and one update example per provider, each with only the fields that provider holds, and no made-up ids', () => {
    const descriptions = {
      webshare: WEBSHARE_DESCRIPTION,
      proxyhat: PROXYHAT_DESCRIPTION,
      iproyal: IPROYAL_DESCRIPTION,
    };
    const apiField: Record<string, string> = { trafficLimitBytes: 'trafficLimit' };
    const create = committed.paths['/v1/sub-users'].post.requestBody.content['application/json'].examples;
    const update =
      committed.paths['/v1/sub-users/{id}'].patch.requestBody.content['application/json'].examples;
    expect(Object.keys(create).sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const provider of PROVIDER_NAMES) {
      const unsupported = Object.entries(descriptions[provider].fields)
        .filter(([, field]) => field.support === 'unsupported')
        .map(([field]) => apiField[field] ?? field);
      for (const [kind, value] of [
        ['create', create[provider].value],
        ['update', update[provider].value],
      ] as const) {
        expect([provider, kind, Object.keys(value).filter((field) => unsupported.includes(field))]).toEqual([
          provider,
          kind,
          [],
        ]);
      }
      expect(create[provider].value.provider).toBe(provider);
      const created =
        committed.paths['/v1/sub-users'].post.responses['201'].content['application/json'].examples;
      expect(created[provider].value.provider).toBe(provider);
    }
    // What Swagger UI sends as it is: no id in a request example or a parameter example.
    const requestExamples = examplesOf(committed).filter(([where]) => / request | parameter /.test(where));
    expect(
      requestExamples.filter(([, value]) => UUID.test(JSON.stringify(value))).map(([where]) => where),
    ).toEqual([]);
  });

  it('offers the metadata filter as a deepObject query parameter', () => {
    const parameter = (committed.paths['/v1/sub-users'].get.parameters as JsonObject[]).find(
      (item) => item.name === 'metadata',
    );
    expect(parameter).toMatchObject({
      in: 'query',
      style: 'deepObject',
      explode: true,
      schema: { type: 'object', additionalProperties: { type: 'string' } },
    });
  });

  it('has the validator catch what it is for: an undocumented status, header, member or type', () => {
    const example = committed.paths['/v1/sub-users/{id}'].get.responses['200'].content['application/json']
      .examples.webshare.value as JsonObject;
    const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r', etag: '"v1"' };
    const answer = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      validator.violations({
        method: 'GET',
        path: '/v1/sub-users/{id}',
        status,
        headers: { ...headers, ...extra },
        body: JSON.stringify(body),
      });
    expect(answer(200, example)).toEqual([]);
    expect(answer(418, example)).toEqual([expect.stringContaining('status not documented')]);
    expect(answer(200, example, { 'x-secret': '1' })).toEqual([
      expect.stringContaining('header x-secret not documented'),
    ]);
    expect(answer(200, { ...example, surprise: true })).toEqual([
      expect.stringContaining('additional properties'),
    ]);
    expect(answer(200, { ...example, traffic: { ...example.traffic, limitBytes: '5GB' } })).toEqual([
      expect.stringContaining('/traffic/limitBytes must be integer,null'),
    ]);
    expect(
      validator.violations({
        method: 'GET',
        path: '/v1/sub-users/{id}',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(example),
      }),
    ).toEqual(expect.arrayContaining([expect.stringContaining('header x-request-id missing')]));
  });

  it('is linted by committed rulesets and documented in the README', () => {
    expect(readFileSync(join(ROOT, '.redocly.yaml'), 'utf8')).toContain('recommended');
    expect(readFileSync(join(ROOT, '.spectral.yaml'), 'utf8')).toContain('spectral:oas');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm run openapi:write');
    // The client example of the README is the type-checked clients/typescript/examples/quickstart.ts.
    const block = /## API contract[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const statements = block.split('\n').filter((line) => line.trim() && !line.startsWith('import '));
    expect(statements.length).toBeGreaterThanOrEqual(8);
    const example = readFileSync(join(ROOT, 'clients', 'typescript', 'examples', 'quickstart.ts'), 'utf8');
    expect(statements.filter((line) => !example.includes(line))).toEqual([]);
  });
});
