import request from 'supertest';
import { RunningGateway, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';

describe('gateway foundation over HTTP', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers liveness without touching anything', async () => {
    const response = await request(gateway.url).get('/health/live').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('reports ready when the database answers, naming which database to an admin key', async () => {
    const response = await request(gateway.url)
      .get('/health/ready')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.info.database).toEqual({ status: 'up', kind: gateway.database.kind });
  });

  it('hardening #11: tells an unauthenticated caller only up or degraded, never which accounts or database', async () => {
    for (const authorization of [undefined, 'Bearer sgw_not_a_real_key_000000000000']) {
      const call = request(gateway.url).get('/health/ready');
      const response = await (authorization ? call.set('authorization', authorization) : call).expect(200);
      expect(response.body).toEqual({ status: 'ok', database: 'up', providers: 'up' });
    }
  });

  it('serves an OpenAPI 3 document with title, version, bearer auth and tags', async () => {
    const response = await request(gateway.url).get('/docs-json').expect(200);
    const document = response.body;
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Sub-user gateway');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(document.info.description).toContain('problem+json');
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.tags.map((tag: { name: string }) => tag.name)).toEqual(
      expect.arrayContaining(['sub-users', 'providers', 'health']),
    );
    expect(document.paths['/health/ready'].get).toBeDefined();
    expect(document.components.schemas.ProblemDetails.properties.code).toBeDefined();
  });

  it('serves Swagger UI at /docs, with a policy that lets "Try it out" call the gateway over http', async () => {
    const response = await request(gateway.url).get('/docs').redirects(2).expect(200);
    expect(response.text).toContain('swagger-ui');
    const policy = String(response.headers['content-security-policy']);
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    await request(gateway.url).get('/docs/swagger-ui-init.js').expect(200);
  });

  it('answers an unknown route with a 404 problem, never a bare error', async () => {
    const response = await request(gateway.url).get('/v1/nothing-here').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: 'urn:subuser-gateway:problem:not-found',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      source: 'gateway',
    });
    expect(response.body.requestId).toBe(response.headers['x-request-id']);
  });

  it('turns Fastify parser errors into 400 MALFORMED_REQUEST: a body that is not JSON', async () => {
    const response = await request(gateway.url)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST', source: 'gateway' });
    expect(typeof response.body.detail).toBe('string');
  });

  it('hardening #8: answers a body over the limit with 413 PAYLOAD_TOO_LARGE problem+json', async () => {
    const response = await request(gateway.url)
      .post('/v1/tenants')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(4096) }))
      .expect(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      type: 'urn:subuser-gateway:problem:payload-too-large',
      title: 'Payload too large',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      source: 'gateway',
      detail: 'Request body is larger than the gateway accepts (BODY_LIMIT_BYTES)',
      requestId: response.headers['x-request-id'],
    });
  });

  it('keeps a caller-supplied request id and echoes it back', async () => {
    const response = await request(gateway.url)
      .get('/health/live')
      .set('x-request-id', 'trace-abc.123')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('replaces a request id that could forge log lines', async () => {
    const response = await request(gateway.url)
      .get('/health/live')
      .set('x-request-id', 'evil id\twith spaces');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const response = await request(gateway.url).get('/health/live');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
