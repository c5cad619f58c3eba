import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, bearer, createKey, createTenant } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { accountIds } from '../sync/sync-helpers';

/** A loopback server that records what reaches it and answers one fixed way. */
async function recorder(answer: (res: import('node:http').ServerResponse) => void) {
  const seen: { url: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Where provider keys may go, and who may use an account (findings 7 and 11). */
describe('hardening: provider accounts', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    // 127.0.0.1 only: 127.0.0.2 and localhost stay refused.
    gateway = await startTestGateway({
      ...SANDBOX_ENV,
      UPSTREAM_TIMEOUT_MS: '1000',
      PROVIDER_HOST_ALLOWLIST: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('hardening #7: a new baseUrl needs the key again; the stored key never goes to the new host', async () => {
    const { webshare } = await accountIds(gateway.url);
    const elsewhere = await recorder((res) => res.writeHead(200).end('{}'));
    try {
      const moved = await request(gateway.url)
        .patch(`/v1/provider-accounts/${webshare}`)
        .set(admin)
        .send({ baseUrl: `${elsewhere.url}/webshare` });
      expect({ status: moved.status, code: moved.body.code, field: moved.body.errors?.[0]?.field }).toEqual({
        status: 422,
        code: 'VALIDATION_FAILED',
        field: 'apiKey',
      });
      expect(elsewhere.seen).toEqual([]);
      const account = await request(gateway.url)
        .get(`/v1/provider-accounts/${webshare}`)
        .set(admin)
        .expect(200);
      expect(account.body.baseUrl).toBe(sandboxOf(gateway).webshareBaseUrl);
    } finally {
      await elsewhere.close();
    }
  });

  // Only loopback addresses here, so that even a gateway that failed to refuse them would send
  // nothing off this machine; private, link-local and public hosts are the policy's unit tests.
  it.each([
    ['http://127.0.0.2:4010/v1', /loopback, private or link-local/],
    ['http://localhost:4010/v1', /loopback, private or link-local/],
    ['http://user:secret@127.0.0.1:4010/v1', /credentials/],
    ['file:///etc/passwd', /baseUrl/],
  ])('hardening #7: refuses baseUrl %s before any call', async (baseUrl, message) => {
    const answer = await request(gateway.url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({
        provider: 'proxyhat',
        name: `refused-${randomUUID().slice(0, 6)}`,
        apiKey: 'ph-sandbox-key',
        baseUrl,
      });
    expect({ status: answer.status, code: answer.body.code }).toEqual({
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    expect(JSON.stringify(answer.body.errors)).toMatch(message);
  });

  it('hardening #7: a refused probe says the same whatever answered, and never the upstream’s words', async () => {
    const talkative = await recorder((res) =>
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"message":"internal-host db-7 password=hunter2"}'),
    );
    const silent = await recorder((res) => res.socket?.destroy());
    const closedPort = await recorder(() => undefined);
    await closedPort.close();
    try {
      const answers = [];
      for (const baseUrl of [talkative.url, silent.url, closedPort.url]) {
        const answer = await request(gateway.url)
          .post('/v1/provider-accounts')
          .set(admin)
          .send({ provider: 'proxyhat', name: `probe-${randomUUID().slice(0, 6)}`, apiKey: 'k', baseUrl });
        answers.push({ status: answer.status, code: answer.body.code, detail: answer.body.detail });
        expect(JSON.stringify(answer.body)).not.toMatch(/hunter2|db-7|ECONNREFUSED|socket/i);
      }
      expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
      expect(answers[0]).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE' });
    } finally {
      await talkative.close();
      await silent.close();
    }
  });

  it('hardening #11: an account granted to named tenants is invisible to the others’ creates', async () => {
    const { proxyhat } = await accountIds(gateway.url);
    const allowed = await createTenant(gateway, `granted-${randomUUID().slice(0, 6)}`);
    const other = await createTenant(gateway, `other-${randomUUID().slice(0, 6)}`);
    const scopes = ['sub-users:read', 'sub-users:write'];
    const allowedKey = await createKey(gateway, { name: 'allowed', scopes, tenantId: allowed.id });
    const otherKey = await createKey(gateway, { name: 'other', scopes, tenantId: other.id });
    await request(gateway.url)
      .patch(`/v1/provider-accounts/${proxyhat}`)
      .set(admin)
      .send({ sharing: 'granted', grantedTenants: [allowed.id] })
      .expect(200);
    try {
      const body = { providerAccountId: proxyhat, name: `grant-${randomUUID().slice(0, 6)}` };
      const creates = () => sandboxOf(gateway).control.calls()['proxyhat.create'] ?? 0;
      const before = creates();
      const refused = await request(gateway.url).post('/v1/sub-users').set(bearer(otherKey.key)).send(body);
      expect({
        status: refused.status,
        code: refused.body.code,
        field: refused.body.errors?.[0]?.field,
      }).toEqual({
        status: 422,
        code: 'VALIDATION_FAILED',
        field: 'providerAccountId',
      });
      expect(creates()).toBe(before);
      await request(gateway.url).post('/v1/sub-users').set(bearer(allowedKey.key)).send(body).expect(201);
      const onBehalf = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ ...body, name: `${body.name}-x`, tenantId: other.id });
      expect(onBehalf.status).toBe(422);
    } finally {
      await request(gateway.url)
        .patch(`/v1/provider-accounts/${proxyhat}`)
        .set(admin)
        .send({ sharing: 'all', grantedTenants: [] })
        .expect(200);
    }
  });
});
