import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';

describe('the OpenAPI document', () => {
  let gateway: RunningGateway;
  let document: any;

  beforeAll(async () => {
    gateway = await startTestGateway(SANDBOX_ENV);
    document = (await request(gateway.url).get('/docs-json').expect(200)).body;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('validates as OpenAPI 3', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it('describes every /v1 endpoint with a summary, a success schema, error responses and bearer auth', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(
      ([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );
    const v1 = operations.filter((entry) => entry.path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThanOrEqual(24);
    for (const { path, method, operation } of v1) {
      const label = `${method.toUpperCase()} ${path}`;
      expect([label, operation.summary]).toEqual([label, expect.any(String)]);
      expect([label, operation.security]).toEqual([label, [{ bearer: [] }]]);
      const success = Object.keys(operation.responses).find((status) => /^2\d\d$/.test(status));
      expect([label, success]).toEqual([label, expect.any(String)]);
      const errorStatuses = Object.keys(operation.responses).filter((status) => /^[45]\d\d$/.test(status));
      expect([label, errorStatuses]).toEqual([label, expect.arrayContaining(['401'])]);
      const problem = operation.responses['401'].content['application/problem+json'];
      expect([label, problem.schema.$ref]).toEqual([label, '#/components/schemas/ProblemDetails']);
    }
  });

  it('lists the endpoints the API promises', () => {
    const expected: Record<string, string[]> = {
      '/v1/providers': ['get'],
      '/v1/provider-accounts': ['get', 'post'],
      '/v1/provider-accounts/{id}': ['delete', 'get', 'patch'],
      '/v1/sub-users': ['get', 'post'],
      '/v1/sub-users/{id}': ['delete', 'get', 'patch'],
      '/v1/sub-users/bulk-delete': ['post'],
      '/v1/sub-users/{id}/refresh-proxy-list': ['post'],
      '/v1/sub-users/{id}/reset-usage': ['post'],
      '/v1/sub-users/{id}/rotate-password': ['post'],
      '/v1/sub-users/{id}/credentials': ['get'],
      '/v1/jobs': ['get'],
      '/v1/jobs/{id}': ['get'],
      '/v1/audit-events': ['get'],
      '/v1/api-keys': ['get', 'post'],
      '/v1/api-keys/{id}': ['delete'],
      '/v1/tenants': ['get', 'post'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect([path, Object.keys(document.paths[path] ?? {}).sort()]).toEqual([
        path,
        expect.arrayContaining(methods),
      ]);
    }
  });

  it('describes the bearer key as an opaque API key, not a JWT, and names the server', () => {
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque API key',
      description: expect.stringContaining('not a JWT'),
    });
    expect(document.servers).toEqual([{ url: '/', description: 'This gateway' }]);
  });

  it('types what used to be shapeless: nullable and union fields of sub-users, jobs, credentials and accounts', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateSubUserDto.properties.metadata).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(schemas.CreateSubUserDto.properties.groupId).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.UpdateSubUserDto.properties.notes).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.UpdateSubUserDto.properties.metadata.additionalProperties).toEqual({
      type: 'string',
      maxLength: 512,
      nullable: true,
    });
    expect(schemas.CreateSubUserDto.properties.trafficLimit.oneOf).toEqual([
      expect.objectContaining({ type: 'integer', nullable: true }),
      expect.objectContaining({ type: 'string' }),
    ]);
    expect(schemas.CredentialsDto.properties.ports).toEqual({ $ref: '#/components/schemas/ProxyPortsDto' });
    expect(schemas.UpdateProviderAccountDto.properties.planId).toMatchObject({
      type: 'string',
      nullable: true,
    });
    for (const field of ['tenantId', 'startedAt', 'finishedAt', 'error']) {
      expect([field, schemas.JobDto.properties[field]]).toEqual([
        field,
        expect.objectContaining({ type: 'string', nullable: true }),
      ]);
    }
    expect(schemas.JobDto.properties.durationMs).toMatchObject({ type: 'integer', nullable: true });
    expect(schemas.JobDto.properties.counts.additionalProperties).toEqual({ type: 'integer' });
    expect(schemas.JobDto.properties.results.items.anyOf.length).toBeGreaterThanOrEqual(2);
    const metadata = (document.paths['/v1/sub-users'].get.parameters as any[]).find(
      (item) => item.name === 'metadata',
    );
    expect(metadata).toMatchObject({ style: 'deepObject', explode: true });
  });

  it('gives request and response schemas with examples for sub-users', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateSubUserDto.required).toContain('name');
    expect(schemas.CreateSubUserDto.properties.trafficLimit.example).toBe('5GB');
    expect(schemas.SubUserDto.properties.traffic).toBeDefined();
    expect(document.paths['/v1/sub-users'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateSubUserDto',
    );
  });
});
