import { RunningSandbox, startSandbox } from '@app/sandbox';
import { http, IR_KEY, irAuth, PH_KEY, phAuth, WS_KEY, wsAuth } from './http-helpers';

const GB = 1024 ** 3;

describe('sandbox accounts, simulated traffic and bandwidth periods', () => {
  let sandbox: RunningSandbox;
  let admin: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      webshareKeys: [WS_KEY, 'ws-second'],
      proxyhatKeys: [PH_KEY],
      iproyalKeys: [IR_KEY, 'ir-second'],
    });
    admin = `${sandbox.url}/__sandbox`;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  describe('GET /__sandbox/accounts', () => {
    it('lists one account per provider with its first key and its base URL', async () => {
      const res = await http('GET', `${admin}/accounts`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { provider: 'webshare', name: 'webshare-sandbox', baseUrl: sandbox.webshareBaseUrl, apiKey: WS_KEY },
        { provider: 'proxyhat', name: 'proxyhat-sandbox', baseUrl: sandbox.proxyhatBaseUrl, apiKey: PH_KEY },
        { provider: 'iproyal', name: 'iproyal-sandbox', baseUrl: sandbox.iproyalBaseUrl, apiKey: IR_KEY },
      ]);
      expect(sandbox.control.accounts()).toEqual(res.body);
    });

    it('builds the base URLs from the address the caller used (a container name, a proxy)', async () => {
      const res = await http('GET', `${admin}/accounts`, {
        headers: { host: 'sandbox:4010', 'x-forwarded-proto': 'https' },
      });
      expect(res.body.map((a: { baseUrl: string }) => a.baseUrl)).toEqual([
        'https://sandbox:4010/webshare',
        'https://sandbox:4010/proxyhat/v1',
        'https://sandbox:4010/iproyal/v1',
      ]);
      expect(sandbox.control.accounts('http://example.test/').map((a) => a.baseUrl)).toEqual([
        'http://example.test/webshare',
        'http://example.test/proxyhat/v1',
        'http://example.test/iproyal/v1',
      ]);
    });

    it('each account answers its provider API with its key', async () => {
      const [webshare, proxyhat, iproyal] = sandbox.control.accounts();
      const calls = [
        http('GET', `${webshare.baseUrl}/api/v2/subuser/`, { headers: wsAuth(webshare.apiKey) }),
        http('GET', `${proxyhat.baseUrl}/sub-users`, { headers: phAuth(proxyhat.apiKey) }),
        http('GET', `${iproyal.baseUrl}/me`, { headers: irAuth(iproyal.apiKey) }),
      ];
      expect((await Promise.all(calls)).map((res) => res.status)).toEqual([200, 200, 200]);
    });
  });

  describe('POST /__sandbox/traffic', () => {
    it('Webshare: bandwidth_total grows, with one request counted and the derived fields', async () => {
      const created = await http('POST', `${sandbox.webshareBaseUrl}/api/v2/subuser/`, {
        headers: wsAuth(),
        body: { label: 'user', bandwidth_use_start_date: new Date(Date.now() - 86_400_000).toISOString() },
      });
      const id = created.body.id;
      const res = await http('POST', `${admin}/traffic`, {
        body: { provider: 'webshare', subUserId: id, bytes: 3000 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        provider: 'webshare',
        key: WS_KEY,
        subUserId: id,
        requestedBytes: 3000,
        addedBytes: 3000,
      });
      await http('POST', `${admin}/traffic`, {
        body: { provider: 'webshare', subUserId: String(id), bytes: 1000 },
      });

      const fetched = await http('GET', `${sandbox.webshareBaseUrl}/api/v2/subuser/${id}/`, {
        headers: wsAuth(),
      });
      const stats = fetched.body.aggregate_stats;
      expect(stats).toMatchObject({
        bandwidth_total: 4000,
        bandwidth_average: 2000,
        requests_total: 2,
        requests_successful: 2,
        requests_failed: 0,
        protocols_used: { http: 2 },
        number_of_proxies_used: 1,
      });
      // One day into a period of about 30: the projection is about 30 times the total so far.
      expect(stats.bandwidth_projected).toBeGreaterThan(4000 * 27);
      expect(stats.bandwidth_projected).toBeLessThan(4000 * 32);
      expect(stats.last_request_sent_at).not.toBeNull();
    });

    it('ProxyHat: used_traffic grows by the bytes, even past the limit', async () => {
      const created = await http('POST', `${sandbox.proxyhatBaseUrl}/sub-users`, {
        headers: phAuth(),
        body: { proxy_password: 'pw', is_traffic_limited: true, traffic_limit: '1KB' },
      });
      const uuid = created.body.payload.uuid;
      const res = sandbox.control.addTraffic({ provider: 'proxyhat', subUserId: uuid, bytes: 1500 });
      expect(res).toMatchObject({
        requestedBytes: 1500,
        addedBytes: 1500,
        subUser: { uuid, used_traffic: 1500 },
      });
      const fetched = await http('GET', `${sandbox.proxyhatBaseUrl}/sub-users/${uuid}`, {
        headers: phAuth(),
      });
      expect(fetched.body.payload.used_traffic).toBe(1500);
    });

    it('IPRoyal: traffic_used up, traffic_available down, never below zero (addedBytes says how much)', async () => {
      const created = await http('POST', `${sandbox.iproyalBaseUrl}/residential-subusers`, {
        headers: irAuth(),
        body: { username: 'usage1', password: 'secret123', traffic: 1 },
      });
      const hash = created.body.hash;
      const half = await http('POST', `${admin}/traffic`, {
        body: { provider: 'iproyal', subUserId: hash, bytes: GB / 4 },
      });
      expect(half.body).toMatchObject({
        requestedBytes: GB / 4,
        addedBytes: GB / 4,
        subUser: { traffic_available: 0.75, traffic_used: 0.25, traffic_available_bytes: 0.75 * GB },
      });
      const over = sandbox.control.addTraffic({ provider: 'iproyal', subUserId: hash, bytes: GB });
      expect(over).toMatchObject({ requestedBytes: GB, addedBytes: 0.75 * GB });
      const fetched = await http('GET', `${sandbox.iproyalBaseUrl}/residential-subusers/${hash}`, {
        headers: irAuth(),
      });
      expect(fetched.body).toMatchObject({ traffic_available: 0, traffic_used: 1 });
      // The balance is not involved: traffic used was already allocated.
      expect(sandbox.control.iproyalBalance().available_traffic).toBe(999);
    });

    it('uses the given key; 404 for an unknown sub-user, 400 for bad input', async () => {
      sandbox.control.seed({ provider: 'webshare', key: 'ws-second', count: 1 });
      const [seeded] = sandbox.control.state('webshare', 'ws-second');
      const ok = await http('POST', `${admin}/traffic`, {
        body: { provider: 'webshare', key: 'ws-second', subUserId: seeded.id, bytes: 1 },
      });
      expect(ok.status).toBe(200);
      const elsewhere = await http('POST', `${admin}/traffic`, {
        body: { provider: 'webshare', subUserId: seeded.id, bytes: 1 },
      });
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.body).toEqual({ error: `no webshare sub-user '${seeded.id}' in account '${WS_KEY}'` });

      for (const body of [
        { provider: 'nope', subUserId: 1, bytes: 1 },
        { provider: 'webshare', subUserId: 'abc', bytes: 1 },
        { provider: 'webshare', subUserId: seeded.id, bytes: -1 },
        { provider: 'webshare', subUserId: seeded.id, bytes: 1.5 },
        { provider: 'webshare', key: 'unknown', subUserId: seeded.id, bytes: 1 },
        { provider: 'proxyhat', bytes: 1 },
      ]) {
        const res = await http('POST', `${admin}/traffic`, { body });
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
    });
  });

  describe('POST /__sandbox/period-reset', () => {
    it('Webshare: usage back to zero, the period moved on by one month', async () => {
      const created = await http('POST', `${sandbox.webshareBaseUrl}/api/v2/subuser/`, {
        headers: wsAuth(),
        body: { label: 'period', bandwidth_use_start_date: '2026-01-31T10:00:00Z' },
      });
      const id = created.body.id;
      sandbox.control.addTraffic({ provider: 'webshare', subUserId: id, bytes: 12345 });
      const res = await http('POST', `${admin}/period-reset`, {
        body: { provider: 'webshare', subUserId: id },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ provider: 'webshare', key: WS_KEY, subUserId: id });

      const fetched = await http('GET', `${sandbox.webshareBaseUrl}/api/v2/subuser/${id}/`, {
        headers: wsAuth(),
      });
      expect(fetched.body.bandwidth_use_start_date).toBe('2026-02-28T10:00:00.000000+00:00');
      expect(fetched.body.bandwidth_use_end_date).toBe('2026-03-28T10:00:00.000000+00:00');
      expect(fetched.body.aggregate_stats).toEqual({
        bandwidth_projected: 0,
        bandwidth_total: 0,
        bandwidth_average: 0,
        requests_total: 0,
        requests_successful: 0,
        requests_failed: 0,
        error_reasons: [],
        countries_used: {},
        number_of_proxies_used: 0,
        protocols_used: {},
        average_concurrency: 0,
        average_rps: 0,
        last_request_sent_at: null,
      });
      expect(fetched.text).toContain('"average_rps":0.0');
      const [stored] = sandbox.control.state('webshare', WS_KEY);
      expect(res.body.subUser).toEqual(stored);
      expect(stored).toMatchObject({ ...fetched.body, plan_id: null });
    });

    it('ProxyHat and IPRoyal have no periods: 400 saying so', async () => {
      const proxyhat = await http('POST', `${admin}/period-reset`, {
        body: { provider: 'proxyhat', subUserId: '550e8400-e29b-41d4-a716-446655440000' },
      });
      expect(proxyhat.status).toBe(400);
      expect(proxyhat.body).toEqual({
        error:
          'ProxyHat sub-users have no bandwidth periods: used_traffic only goes back to zero through POST /v1/sub-users/reset/usage',
      });
      const iproyal = await http('POST', `${admin}/period-reset`, {
        body: { provider: 'iproyal', subUserId: 'x' },
      });
      expect(iproyal.status).toBe(400);
      expect(iproyal.body).toEqual({
        error:
          'IPRoyal sub-users have no bandwidth periods: their traffic is prepaid (traffic_available) and never resets',
      });
      const unknown = await http('POST', `${admin}/period-reset`, {
        body: { provider: 'webshare', subUserId: 99 },
      });
      expect(unknown.status).toBe(404);
    });
  });
});
