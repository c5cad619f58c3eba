import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';

/**
 * A loopback forwarder to the sandbox that waits `delayMs` before each call (so a provider probe
 * is slow, which widens the window between the service's read and its write) and records the
 * Authorization header of every call that reaches it.
 */
async function slowForwarder(target: string) {
  const state = { delayMs: 0, seen: [] as string[] };
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    state.seen.push(String(req.headers.authorization ?? ''));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        const forwarded = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on('error', () => res.destroy());
        forwarded.end(Buffer.concat(chunks));
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Changes to one provider account at once, with the provider's key check slowed (a forwarder on
 * 127.0.0.1 in front of the sandbox) so the window between the service's read and its write is wide.
 */
describe('provider accounts changed at once', () => {
  let gateway: RunningGateway;
  let slow: Awaited<ReturnType<typeof slowForwarder>>;
  let slowBase: string;
  let directBase: string;

  beforeAll(async () => {
    gateway = await startTestGateway({
      ...SANDBOX_ENV,
      SANDBOX_PROXYHAT_KEYS: 'ph-sandbox-key,ph-second-key',
      PROVIDER_HOST_ALLOWLIST: '127.0.0.1',
    });
    const sandbox = sandboxOf(gateway);
    slow = await slowForwarder(sandbox.url);
    directBase = sandbox.proxyhatBaseUrl;
    slowBase = `${slow.url}${new URL(sandbox.proxyhatBaseUrl).pathname}`;
  });
  afterEach(() => {
    slow.state.delayMs = 0;
  });
  afterAll(async () => {
    await slow?.close();
    await gateway?.close();
  });

  /** Resolves once a key check beyond the first `seen` calls has reached the slow forwarder. */
  async function probeReached(seen: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (slow.state.seen.length === seen) {
      if (Date.now() > deadline) throw new Error('no key check reached the forwarder');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function createAccount(baseUrl: string, apiKey = 'ph-sandbox-key') {
    const answer = await request(gateway.url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({
        provider: 'proxyhat',
        name: `race-${randomUUID().slice(0, 8)}`,
        apiKey,
        baseUrl,
        isDefault: false,
      })
      .expect(201);
    return answer.body as { id: string; baseUrl: string };
  }

  it('two concurrent POSTs with the same name: one 201 and one 409 CONFLICT, never 500', async () => {
    slow.state.delayMs = 500;
    const name = `dup-${randomUUID().slice(0, 8)}`;
    const post = () =>
      request(gateway.url)
        .post('/v1/provider-accounts')
        .set(admin)
        .send({ provider: 'proxyhat', name, apiKey: 'ph-sandbox-key', baseUrl: slowBase, isDefault: false });
    const answers = await Promise.all([post(), post()]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409]);
  });

  it('PATCH (new key, slow probe) racing a DELETE of the same account answers 404, never 500', async () => {
    const account = await createAccount(slowBase);
    slow.state.delayMs = 800;
    const probesBefore = slow.state.seen.length;
    const patch = request(gateway.url)
      .patch(`/v1/provider-accounts/${account.id}`)
      .set(admin)
      .send({ apiKey: 'ph-sandbox-key' })
      .then((answer) => answer);
    await probeReached(probesBefore);
    const removed = await request(gateway.url).delete(`/v1/provider-accounts/${account.id}`).set(admin);
    expect(removed.status).toBe(200);
    const patched = await patch;
    expect({ status: patched.status, code: patched.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('two concurrent DELETEs of one account: one 200, the other 404, never 500', async () => {
    const account = await createAccount(directBase);
    const del = () => request(gateway.url).delete(`/v1/provider-accounts/${account.id}`).set(admin);
    const answers = await Promise.all([del(), del()]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404]);
  });

  it('a PATCH decided on a base URL or key changed meanwhile is 409, and a key is never sent to a base URL it was not checked with', async () => {
    // Account on the slow URL (U1) with the first key.
    const account = await createAccount(slowBase);
    slow.state.delayMs = 1_500;
    const probesBefore = slow.state.seen.length;
    // PATCH 1: a plan change, probed (slowly) at U1 with the stored key.
    const planChange = request(gateway.url)
      .patch(`/v1/provider-accounts/${account.id}`)
      .set(admin)
      .send({ planId: '42' })
      .then((answer) => answer);
    // Its key check has reached U1: it has read the account and waits on the provider.
    await probeReached(probesBefore);
    // PATCH 2: move to U2 with a second key, probed (fast) at U2.
    const moved = await request(gateway.url)
      .patch(`/v1/provider-accounts/${account.id}`)
      .set(admin)
      .send({ baseUrl: directBase, apiKey: 'ph-second-key' });
    expect(moved.status).toBe(200);
    expect(moved.body.baseUrl).toBe(directBase);
    const late = await planChange;
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 409, code: 'CONFLICT' });

    const now = await request(gateway.url).get(`/v1/provider-accounts/${account.id}`).set(admin).expect(200);
    const seenBefore = slow.state.seen.length;
    slow.state.delayMs = 0;
    // Any call that uses the stored key at the stored URL (a plan change probes with both).
    await request(gateway.url).patch(`/v1/provider-accounts/${account.id}`).set(admin).send({ planId: null });
    const keysAtU1 = slow.state.seen.slice(seenBefore);
    // The move stands; the second key, only ever checked with U2, never goes to U1.
    expect({
      baseUrl: now.body.baseUrl,
      planId: now.body.planId,
      secondKeySentToU1: keysAtU1.some((header) => header.includes('ph-second-key')),
    }).toEqual({ baseUrl: directBase, planId: null, secondKeySentToU1: false });
  });
});
