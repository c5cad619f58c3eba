import { RunningSandbox, startSandbox } from '@app/sandbox';
import { http, IR_KEY, irAuth, phAuth, ULID } from './http-helpers';

describe('IPRoyal simulator: pagination, search, errors, switches', () => {
  let sandbox: RunningSandbox;
  let subusers: string;
  let admin: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    subusers = `${sandbox.iproyalBaseUrl}/residential-subusers`;
    admin = `${sandbox.url}/__sandbox`;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.control.reset();
    sandbox.control.configure({ rateLimits: true, latencyMs: 0, jitterMs: 0 });
    sandbox.control.configure({ rateLimits: { iproyal: { perMinute: 120 } } });
  });

  const list = (query = '') => http('GET', `${subusers}${query}`, { headers: irAuth() });
  const usernames = (body: { data: { username: string }[] }) => body.data.map((s) => s.username);

  describe('pagination (page / per_page, Laravel meta)', () => {
    beforeEach(() => sandbox.control.seed({ provider: 'iproyal', count: 25 }));

    it('walks 25 sub-users in pages of 10 with exact meta', async () => {
      const pages = [
        await list('?page=1&per_page=10'),
        await list('?page=2&per_page=10'),
        await list('?page=3&per_page=10'),
      ];
      expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
      expect(pages.map((p) => p.body.meta)).toEqual([
        { current_page: 1, from: 1, last_page: 3, path: subusers, per_page: 10, to: 10, total: 25 },
        { current_page: 2, from: 11, last_page: 3, path: subusers, per_page: 10, to: 20, total: 25 },
        { current_page: 3, from: 21, last_page: 3, path: subusers, per_page: 10, to: 25, total: 25 },
      ]);
      const all = pages.flatMap((p) => usernames(p.body));
      expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `seeduser${i + 1}`));
    });

    it('defaults to page 1 of 10; a page past the end is empty with null from/to (Laravel does not 404)', async () => {
      const first = await list();
      expect(first.body.data).toHaveLength(10);
      expect(first.body.meta).toMatchObject({ current_page: 1, per_page: 10 });
      const past = await list('?page=9');
      expect(past.status).toBe(200);
      expect(past.body).toEqual({
        data: [],
        meta: {
          current_page: 9,
          from: null,
          last_page: 3,
          path: subusers,
          per_page: 10,
          to: null,
          total: 25,
        },
      });
      const big = await list('?per_page=100');
      expect(big.body.data).toHaveLength(25);
      expect(big.body.meta.last_page).toBe(1);
    });

    it('an empty account: one empty page', async () => {
      sandbox.control.reset();
      expect((await list()).body).toEqual({
        data: [],
        meta: { current_page: 1, from: null, last_page: 1, path: subusers, per_page: 10, to: null, total: 0 },
      });
    });

    it.each([
      ['?page=0', { page: ['The page field must be at least 1.'] }],
      ['?page=abc', { page: ['The page field must be an integer.'] }],
      ['?per_page=101', { per_page: ['The per page field must not be greater than 100.'] }],
      [
        '?per_page=2.5&page=-1',
        {
          page: ['The page field must be at least 1.'],
          per_page: ['The per page field must be an integer.'],
        },
      ],
    ])('422 for %s', async (query, errors) => {
      const res = await list(query);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual(errors);
    });

    it('search filters by username (substring, any case) and paginates the matches', async () => {
      const res = await list('?search=USER1&per_page=5');
      expect(res.body.meta).toMatchObject({ total: 11, last_page: 3, to: 5 });
      expect(usernames(res.body)).toEqual([
        'seeduser1',
        'seeduser10',
        'seeduser11',
        'seeduser12',
        'seeduser13',
      ]);
      const none = await list('?search=nobody');
      expect(none.body.meta.total).toBe(0);
      const blank = await list('?search=');
      expect(blank.body.meta.total).toBe(25);
    });
  });

  describe('401, 404', () => {
    it('401 {"message": "Unauthenticated."} for a missing, unknown or non-Bearer token', async () => {
      for (const headers of [{}, irAuth('nope'), { authorization: `Token ${IR_KEY}` }]) {
        for (const path of ['/me', '/residential-subusers']) {
          const res = await http('GET', `${sandbox.iproyalBaseUrl}${path}`, { headers });
          expect(res.status).toBe(401);
          expect(res.body).toEqual({ message: 'Unauthenticated.' });
        }
      }
    });

    it('404 {"message"} for an unknown hash on every sub-user route, and for unknown routes', async () => {
      const hash = '02JVRQ5BF83PTW19G1SRD955J0';
      const expected = { message: `No query results for model [App\\Models\\ResidentialSubuser] ${hash}` };
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PUT', '', { traffic: 1 }],
        ['DELETE', '', undefined],
        ['POST', '/give-traffic', { amount: 1 }],
        ['POST', '/take-traffic', { amount: 1 }],
      ] as const) {
        const res = await http(method, `${subusers}/${hash}${suffix}`, { headers: irAuth(), body });
        expect({ method, suffix, status: res.status, body: res.body }).toEqual({
          method,
          suffix,
          status: 404,
          body: expected,
        });
      }
      const route = await http('GET', `${sandbox.iproyalBaseUrl}/whitelists`, { headers: irAuth() });
      expect(route.status).toBe(404);
      expect(route.body).toEqual({ message: 'The route v1/whitelists could not be found.' });
    });
  });

  describe('rate limit, faults, latency, calls', () => {
    it('allows 120 calls a minute per key by default, then 429 "Too Many Attempts." with Retry-After', async () => {
      expect(sandbox.control.config().rateLimits.iproyal).toEqual({ enabled: true, perMinute: 120 });
      const first = await list();
      expect(first.headers['x-ratelimit-limit']).toBe('120');
      expect(first.headers['x-ratelimit-remaining']).toBe('119');

      sandbox.control.configure({ rateLimits: { iproyal: { perMinute: 2 } } });
      sandbox.control.reset();
      await list();
      await list();
      const limited = await list();
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ message: 'Too Many Attempts.' });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      // Other providers keep their own windows.
      expect((await http('GET', `${sandbox.proxyhatBaseUrl}/sub-users`, { headers: phAuth() })).status).toBe(
        200,
      );
    });

    it('error and rate-limit faults answer in Laravel shape and do nothing', async () => {
      await http('POST', `${admin}/faults`, {
        body: { provider: 'iproyal', operation: 'create', mode: 'error', times: 1 },
      });
      const failed = await http('POST', subusers, {
        headers: irAuth(),
        body: { username: 'faulty', password: 'secret123', traffic: 1 },
      });
      expect(failed.status).toBe(503);
      expect(failed.body).toEqual({ message: 'Service Unavailable' });
      expect(sandbox.control.state('iproyal')).toEqual([]);
      expect(sandbox.control.iproyalBalance().available_traffic).toBe(1000);

      sandbox.control.addFault({ provider: 'iproyal', operation: 'me', mode: 'rate-limit', times: 1 });
      const throttled = await http('GET', `${sandbox.iproyalBaseUrl}/me`, { headers: irAuth() });
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('60');
      expect(throttled.body).toEqual({ message: 'Too Many Attempts.' });
    });

    it('timeout-after on give-traffic: the traffic moves, no answer comes', async () => {
      const created = await http('POST', subusers, {
        headers: irAuth(),
        body: { username: 'lostanswer', password: 'secret123', traffic: 1 },
      });
      sandbox.control.addFault({
        provider: 'iproyal',
        operation: 'giveTraffic',
        mode: 'timeout-after',
        times: 1,
      });
      await expect(
        http('POST', `${subusers}/${created.body.hash}/give-traffic`, {
          headers: irAuth(),
          body: { amount: 2 },
          timeoutMs: 200,
        }),
      ).rejects.toThrow('client timeout');
      expect(sandbox.control.state('iproyal')[0].traffic_available).toBe(3);
    });

    it('rejects a fault naming an operation IPRoyal does not have', async () => {
      const res = await http('POST', `${admin}/faults`, {
        body: { provider: 'iproyal', operation: 'bulkDelete', mode: 'error' },
      });
      expect(res.status).toBe(400);
    });

    it('counts calls per iproyal.<operation>, before faults and authentication', async () => {
      await list();
      await http('GET', `${sandbox.iproyalBaseUrl}/me`, { headers: irAuth('wrong') });
      await http('POST', `${subusers}/x/take-traffic`, { headers: irAuth(), body: { amount: 1 } });
      expect(sandbox.control.calls()).toEqual({
        'iproyal.list': 1,
        'iproyal.me': 1,
        'iproyal.takeTraffic': 1,
      });
    });

    it('latency delays IPRoyal answers too', async () => {
      sandbox.control.configure({ latencyMs: 120 });
      const started = Date.now();
      expect((await list()).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    });
  });

  describe('seed and state', () => {
    it('seeds deterministic sub-users (same hashes after a reset) without touching the balance', async () => {
      const reset = await http('POST', `${admin}/reset`, { body: { seedIproyal: 3 } });
      expect(reset.status).toBe(200);
      const seeded = sandbox.control.state('iproyal', IR_KEY);
      expect(seeded.map((s) => [s.id, s.username])).toEqual([
        [1, 'seeduser1'],
        [2, 'seeduser2'],
        [3, 'seeduser3'],
      ]);
      for (const s of seeded) expect(s.hash).toMatch(ULID);
      expect(new Set(seeded.map((s) => s.traffic_available)).size).toBe(3);
      expect(sandbox.control.iproyalBalance().available_traffic).toBe(1000);

      const more = await http('POST', `${admin}/seed`, {
        body: { provider: 'iproyal', count: 2, labelPrefix: 'bench' },
      });
      expect(more.body).toEqual({ created: 2 });
      const state = await http('GET', `${admin}/state?provider=iproyal&key=${IR_KEY}`);
      expect(state.body.map((s: { username: string }) => s.username)).toEqual([
        'seeduser1',
        'seeduser2',
        'seeduser3',
        'bench4',
        'bench5',
      ]);
      expect(Object.keys(state.body[0])).toEqual([
        'id',
        'hash',
        'username',
        'password',
        'traffic_available',
        'traffic_used',
        'limits',
        'traffic_available_bytes',
        'traffic_used_bytes',
      ]);

      sandbox.control.reset({ seedIproyal: 3 });
      expect(sandbox.control.state('iproyal', IR_KEY)).toEqual(seeded);
    });

    it('created sub-users list after seeded ones even when seeded later (ids order the list)', async () => {
      await http('POST', subusers, {
        headers: irAuth(),
        body: { username: 'early', password: 'secret123', traffic: 0 },
      });
      sandbox.control.seed({ provider: 'iproyal', count: 2 });
      expect(usernames((await list()).body)).toEqual(['seeduser1', 'seeduser2', 'early']);
    });
  });
});
