import { RunningSandbox, startSandbox } from '@app/sandbox';
import { http, PH_KEY, phAuth, WS_KEY, wsAuth } from './http-helpers';

/** What `promise` gives, or 'deadline passed' after `ms` (a hang detector, not a speed limit). */
async function firstOf<T>(promise: Promise<T>, ms: number): Promise<T | 'deadline passed'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline passed'>((resolve) => {
    timer = setTimeout(() => resolve('deadline passed'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every 10 ms until it holds, for at most 10 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sandbox faults, rate limits, latency and admin API', () => {
  let sandbox: RunningSandbox;
  let wsSubusers: string;
  let phSubUsers: string;
  let admin: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    wsSubusers = `${sandbox.webshareBaseUrl}/api/v2/subuser/`;
    phSubUsers = `${sandbox.proxyhatBaseUrl}/sub-users`;
    admin = `${sandbox.url}/__sandbox`;
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    sandbox.control.reset();
    sandbox.control.configure({ rateLimits: true, latencyMs: 0, jitterMs: 0 });
    sandbox.control.configure({ rateLimits: { webshare: { perMinute: 240 }, proxyhat: { perMinute: 60 } } });
  });

  const addFault = async (spec: Record<string, unknown>) => {
    const res = await http('POST', `${admin}/faults`, { body: spec });
    expect(res.status).toBe(200);
    expect(res.body.id).toEqual(expect.any(String));
    return res.body.id as string;
  };
  const wsCreate = (label = 'x', timeoutMs?: number) =>
    http('POST', wsSubusers, { headers: wsAuth(), body: { label }, timeoutMs });
  const phCreate = (timeoutMs?: number) =>
    http('POST', phSubUsers, { headers: phAuth(), body: { proxy_password: 'pw' }, timeoutMs });
  const webshareCount = () => sandbox.control.state('webshare', WS_KEY).length;

  describe('rate limits', () => {
    it('Webshare answers 429 with a DRF detail and Retry-After after perMinute calls', async () => {
      await http('PATCH', `${admin}/config`, { body: { rateLimits: { webshare: { perMinute: 3 } } } });
      for (let i = 0; i < 3; i++)
        expect((await http('GET', wsSubusers, { headers: wsAuth() })).status).toBe(200);
      const limited = await http('GET', wsSubusers, { headers: wsAuth() });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.body).toEqual({
        detail: `Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
      });
      // Another provider and other keys are not affected.
      expect((await http('GET', phSubUsers, { headers: phAuth() })).status).toBe(200);
    });

    it('ProxyHat answers 429 "Too Many Attempts." with Retry-After and X-RateLimit-* headers', async () => {
      sandbox.control.configure({ rateLimits: { proxyhat: { perMinute: 2 } } });
      const first = await http('GET', phSubUsers, { headers: phAuth() });
      expect(first.headers['x-ratelimit-limit']).toBe('2');
      expect(first.headers['x-ratelimit-remaining']).toBe('1');
      await http('GET', phSubUsers, { headers: phAuth() });
      const limited = await http('GET', phSubUsers, { headers: phAuth() });
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ message: 'Too Many Attempts.' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.headers['x-ratelimit-limit']).toBe('2');
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    });

    it('can be switched off', async () => {
      sandbox.control.configure({ rateLimits: { proxyhat: { perMinute: 1 } } });
      sandbox.control.configure({ rateLimits: false });
      for (let i = 0; i < 5; i++)
        expect((await http('GET', phSubUsers, { headers: phAuth() })).status).toBe(200);
    });
  });

  describe('fault switches', () => {
    it('error: answers the status in the provider shape and does nothing', async () => {
      await addFault({ provider: 'webshare', operation: 'create', mode: 'error', status: 500, times: 1 });
      const failed = await wsCreate();
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ detail: expect.any(String) });
      expect(webshareCount()).toBe(0);

      await addFault({ provider: 'proxyhat', mode: 'error', times: 1 });
      const phFailed = await phCreate();
      expect(phFailed.status).toBe(503);
      expect(phFailed.body).toMatchObject({ success: false, payload: null });
      expect(sandbox.control.state('proxyhat', PH_KEY)).toHaveLength(1);
    });

    it('times: fails exactly the next N matching calls, then the fault is gone', async () => {
      await addFault({ provider: 'webshare', operation: 'create', mode: 'error', status: 502, times: 2 });
      expect((await http('GET', wsSubusers, { headers: wsAuth() })).status).toBe(200); // other operation
      expect((await wsCreate()).status).toBe(502);
      expect((await wsCreate()).status).toBe(502);
      expect((await wsCreate()).status).toBe(201);
      expect(sandbox.control.faults()).toHaveLength(0);
    });

    it('timeout-before: never answers and creates nothing', async () => {
      await addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-before', times: 1 });
      await expect(wsCreate('lost', 200)).rejects.toThrow('client timeout');
      expect(webshareCount()).toBe(0);
      expect(sandbox.control.calls()['webshare.create']).toBe(1);
    });

    it('timeout-after: creates, then never answers (the lost create)', async () => {
      await addFault({ provider: 'proxyhat', operation: 'create', mode: 'timeout-after', times: 1 });
      await expect(phCreate(200)).rejects.toThrow('client timeout');
      const created = sandbox.control.state('proxyhat', PH_KEY).filter((s) => !s.is_default_user);
      expect(created).toHaveLength(1);
      expect(sandbox.control.calls()['proxyhat.create']).toBe(1);
    });

    it('drop: destroys the socket without an answer and does nothing', async () => {
      await addFault({ provider: 'webshare', operation: 'create', mode: 'drop' });
      await expect(wsCreate()).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(webshareCount()).toBe(0);
      await http('DELETE', `${admin}/faults`);
      expect((await wsCreate()).status).toBe(201);
    });

    it('rate-limit: answers the provider 429 with the given Retry-After', async () => {
      await addFault({ provider: 'webshare', mode: 'rate-limit', retryAfter: 7, times: 1 });
      const ws = await http('GET', wsSubusers, { headers: wsAuth() });
      expect(ws.status).toBe(429);
      expect(ws.headers['retry-after']).toBe('7');
      expect(ws.body).toEqual({ detail: 'Request was throttled. Expected available in 7 seconds.' });

      await addFault({ provider: 'proxyhat', mode: 'rate-limit', times: 1 });
      const ph = await http('GET', phSubUsers, { headers: phAuth() });
      expect(ph.status).toBe(429);
      expect(ph.headers['retry-after']).toBe('30');
      expect(ph.headers['x-ratelimit-remaining']).toBe('0');
      expect(ph.body).toEqual({ message: 'Too Many Attempts.' });
    });

    it('rate: fails about that share of matching calls', async () => {
      await addFault({ provider: 'webshare', operation: 'list', mode: 'error', rate: 0.3 });
      sandbox.control.configure({ rateLimits: false });
      let failures = 0;
      for (let i = 0; i < 200; i++) {
        if ((await http('GET', wsSubusers, { headers: wsAuth() })).status === 503) failures++;
      }
      expect(failures).toBeGreaterThan(30);
      expect(failures).toBeLessThan(90);
    });

    it('wildcards and removal by id; the first matching fault applies', async () => {
      const first = await addFault({ provider: '*', operation: '*', mode: 'error', status: 500 });
      await addFault({ provider: 'proxyhat', mode: 'error', status: 504 });
      expect((await http('GET', phSubUsers, { headers: phAuth() })).status).toBe(500);
      const removed = await http('DELETE', `${admin}/faults/${first}`);
      expect(removed.status).toBe(200);
      expect((await http('GET', phSubUsers, { headers: phAuth() })).status).toBe(504);
      expect((await http('GET', wsSubusers, { headers: wsAuth() })).status).toBe(200);
      expect((await http('DELETE', `${admin}/faults/${first}`)).status).toBe(404);
    });

    it('rejects a fault with an unknown mode or operation', async () => {
      expect(
        (await http('POST', `${admin}/faults`, { body: { provider: 'webshare', mode: 'explode' } })).status,
      ).toBe(400);
      const badOperation = await http('POST', `${admin}/faults`, {
        body: { provider: 'webshare', operation: 'bulkDelete', mode: 'error' },
      });
      expect(badOperation.status).toBe(400);
    });

    it('close() does not wait for requests held open by timeout faults', async () => {
      const own = await startSandbox({ port: 0 });
      own.control.addFault({ provider: 'webshare', mode: 'timeout-before' });
      const pending = http('GET', `${own.webshareBaseUrl}/api/v2/subuser/`, { headers: wsAuth() });
      const settled = pending.then(
        () => 'answered',
        () => 'cut off',
      );
      // Held open once the sandbox has counted it (counts come before faults): no fixed sleep.
      await until(() => own.control.calls()['webshare.list'] === 1);
      // A held request never ends by itself: a close() that waited for it would never return
      // (the deadline names that failure instead of the test's timeout).
      expect(
        await firstOf(
          own.close().then(() => 'closed'),
          10_000,
        ),
      ).toBe('closed');
      expect(await settled).toBe('cut off');
    });
  });

  it('latency delays every provider answer, and latency 0 takes the delay away', async () => {
    await http('PATCH', `${admin}/config`, { body: { latencyMs: 120, jitterMs: 0 } });
    const started = Date.now();
    expect((await http('GET', wsSubusers, { headers: wsAuth() })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    // Set back to 0 from ten minutes: an answer that still waited would miss the 10 s deadline by
    // far, so no bound on how fast this machine answers is needed.
    sandbox.control.configure({ latencyMs: 600_000 });
    sandbox.control.configure({ latencyMs: 0 });
    const answer = http('GET', wsSubusers, { headers: wsAuth() }).then((response) => response.status);
    expect(await firstOf(answer, 10_000)).toBe(200);
  });

  describe('admin API', () => {
    it('counts calls received per provider.operation (before faults) and resets them', async () => {
      await addFault({ provider: 'webshare', operation: 'create', mode: 'error', times: 1 });
      await wsCreate();
      await wsCreate();
      await http('GET', phSubUsers, { headers: phAuth() });
      await http('GET', phSubUsers, { headers: phAuth('bad') });
      const calls = await http('GET', `${admin}/calls`);
      expect(calls.body).toEqual({ 'webshare.create': 2, 'proxyhat.list': 2 });
      await http('DELETE', `${admin}/calls`);
      expect((await http('GET', `${admin}/calls`)).body).toEqual({});
    });

    it('reset wipes everything and seeds N per key; seed adds more', async () => {
      await wsCreate();
      sandbox.control.addFault({ provider: 'webshare', mode: 'error' });
      const reset = await http('POST', `${admin}/reset`, { body: { seedWebshare: 5, seedProxyhat: 2 } });
      expect(reset.status).toBe(200);
      expect(sandbox.control.faults()).toEqual([]);
      expect(sandbox.control.calls()).toEqual({});
      expect(webshareCount()).toBe(5);
      expect(sandbox.control.state('proxyhat', PH_KEY)).toHaveLength(3);

      const seeded = await http('POST', `${admin}/seed`, {
        body: { provider: 'webshare', count: 10_000, labelPrefix: 'bench-' },
      });
      expect(seeded.body).toEqual({ created: 10_000 });
      const list = await http('GET', `${wsSubusers}?page=last&page_size=100`, { headers: wsAuth() });
      expect(list.body.count).toBe(10_005);
      expect(list.body.results.at(-1).label).toBe('bench-10005');
      expect(
        (await http('POST', `${admin}/seed`, { body: { provider: 'webshare', key: 'nope', count: 1 } }))
          .status,
      ).toBe(400);
    });

    it('GET/PATCH config and GET state', async () => {
      const patched = await http('PATCH', `${admin}/config`, {
        body: { asyncDeleteMs: 10, rateLimits: { webshare: { enabled: false } } },
      });
      expect(patched.body).toMatchObject({
        asyncDeleteMs: 10,
        rateLimits: {
          webshare: { enabled: false, perMinute: 240 },
          proxyhat: { enabled: true, perMinute: 60 },
        },
        webshareKeys: [WS_KEY],
        proxyhatKeys: [PH_KEY],
      });
      expect((await http('GET', `${admin}/config`)).body.asyncDeleteMs).toBe(10);
      expect((await http('PATCH', `${admin}/config`, { body: { latencyMs: -1 } })).status).toBe(400);

      await phCreate();
      const state = await http('GET', `${admin}/state?provider=proxyhat&key=${PH_KEY}`);
      expect(state.body).toHaveLength(2);
      expect(state.body[1].proxy_password).toBe('pw');
      expect((await http('GET', `${admin}/state?provider=nope`)).status).toBe(400);
      sandbox.control.configure({ asyncDeleteMs: 2000, rateLimits: true });
    });
  });
});
