import { RunningSandbox, startSandbox } from '@app/sandbox';
import { http, PH_KEY, PROXYHAT_DATETIME, WEBSHARE_DATETIME, WS_KEY } from './http-helpers';

/**
 * Requests exactly as the providers' official SDKs send them (method, path, query, headers,
 * body), so that the sandbox answers what an SDK-based client expects.
 */

/**
 * webshare-proxy/webshare-node src/client.ts buildHeaders(): User-Agent, Accept,
 * X-Webshare-Source and `Authorization: Token <key>` on every call, X-Subuser when acting as a
 * sub-user, Content-Type only with a body.
 */
const webshareSdkHeaders = (subuserId?: number) => ({
  'user-agent': 'webshare-node/0.1.0',
  accept: 'application/json',
  'x-webshare-source': 'WebshareSDK/0.1.0 (Node; 20.19.0)',
  authorization: `Token ${WS_KEY}`,
  ...(subuserId === undefined ? {} : { 'x-subuser': String(subuserId) }),
});

/** ProxyHatCom/go-sdk proxyhat.go doRequest(): Bearer key, Accept, User-Agent, JSON body. */
const proxyhatSdkHeaders = {
  authorization: `Bearer ${PH_KEY}`,
  accept: 'application/json',
  'user-agent': 'proxyhat-go/0.1.0',
  'content-type': 'application/json',
};

describe('fidelity to the official SDKs', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  describe('Webshare (webshare-node, webshare-python)', () => {
    const createSubuser = async (body: Record<string, unknown>, query = '') => {
      const res = await http('POST', `${sandbox.webshareBaseUrl}/api/v2/subuser/${query}`, {
        headers: { ...webshareSdkHeaders(), 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(201);
      return res.body;
    };

    it('proxyConfig.getStatus: GET /api/v3/proxy/list/status?plan_id= with X-Subuser gives the proxy login', async () => {
      // webshare-node src/resources/proxy-config.ts getStatus(); webshare-python
      // src/webshare/resources/proxy_config.py _get_status_spec(): plan_id is required.
      const created = await createSubuser({ label: 'sdk user', proxy_countries: { US: 3 } }, '?plan_id=5');
      const res = await http('GET', `${sandbox.webshareBaseUrl}/api/v3/proxy/list/status?plan_id=5`, {
        headers: webshareSdkHeaders(created.id),
      });
      const [stored] = sandbox.control.state('webshare', WS_KEY);

      expect(res.status).toBe(200);
      // ProxyListStatus, field by field.
      expect(res.body).toEqual({
        state: 'completed',
        countries: { US: 3 },
        unallocated_countries: {},
        username: stored.proxy_credentials.username,
        password: stored.proxy_credentials.password,
        is_proxy_used: false,
      });
    });

    it('proxyConfig.get: GET /api/v3/proxy/config?plan_id= answers the SDK ProxyConfigV3 subset', async () => {
      const created = await createSubuser({ label: 'sdk user' });
      // The default plan is plan 1 (see README): the v3 reads, which need a plan_id, reach it.
      const res = await http('GET', `${sandbox.webshareBaseUrl}/api/v3/proxy/config?plan_id=1`, {
        headers: webshareSdkHeaders(created.id),
      });
      const [stored] = sandbox.control.state('webshare', WS_KEY);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        request_timeout: 86400,
        request_idle_timeout: 900,
        ip_authorization_country_codes: [],
        ip_authorization_city: null,
        ip_authorization_state: null,
        ip_authorization_postalcode: null,
        ip_authorization_asn: null,
        auto_replace_invalid_proxies: true,
        auto_replace_low_country_confidence_proxies: false,
        auto_replace_out_of_rotation_proxies: true,
        auto_replace_failed_site_check_proxies: false,
        proxy_list_download_token: stored.proxy_credentials.proxy_list_download_token,
      });
    });

    it('proxyConfig.getStats: GET /api/v3/proxy/list/stats?plan_id= (residential-like: no ranges, no ASNs)', async () => {
      const created = await createSubuser({ label: 'sdk user' });
      const res = await http('GET', `${sandbox.webshareBaseUrl}/api/v3/proxy/list/stats?plan_id=1`, {
        headers: webshareSdkHeaders(created.id),
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        available_countries: {},
        ip_ranges_24: {},
        ip_ranges_16: {},
        ip_ranges_8: {},
        available_ip_ranges_24: {},
        available_ip_ranges_16: {},
        available_ip_ranges_8: {},
        asns: {},
        available_asns: {},
      });
    });

    it('v3 reads: 400 without plan_id, 404 for a sub-user of another plan or unknown', async () => {
      const created = await createSubuser({ label: 'default plan' });
      const missing = await http('GET', `${sandbox.webshareBaseUrl}/api/v3/proxy/list/status`, {
        headers: webshareSdkHeaders(created.id),
      });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ plan_id: [{ message: 'This field is required.', code: 'required' }] });
      for (const [plan, id] of [
        [42, created.id],
        [1, 424242],
      ]) {
        const res = await http('GET', `${sandbox.webshareBaseUrl}/api/v3/proxy/list/status?plan_id=${plan}`, {
          headers: webshareSdkHeaders(id),
        });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: 'Not found.' });
      }
    });

    it('GET /api/v2/proxy/config/ with X-Subuser: the full proxy config object of the docs and SDKs', async () => {
      const created = await createSubuser({ label: 'full', proxy_countries: null });
      sandbox.control.addTraffic({ provider: 'webshare', subUserId: created.id, bytes: 10 });
      const res = await http('GET', `${sandbox.webshareBaseUrl}/api/v2/proxy/config/`, {
        headers: webshareSdkHeaders(created.id),
      });
      const [stored] = sandbox.control.state('webshare', WS_KEY);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: created.id,
        state: 'completed',
        countries: { US: 10, GB: 5, DE: 5 },
        available_countries: {},
        unallocated_countries: {},
        ip_ranges_24: {},
        ip_ranges_16: {},
        ip_ranges_8: {},
        available_ip_ranges_24: {},
        available_ip_ranges_16: {},
        available_ip_ranges_8: {},
        asns: {},
        available_asns: {},
        username: stored.proxy_credentials.username,
        password: stored.proxy_credentials.password,
        request_timeout: 86400,
        request_idle_timeout: 900,
        ip_authorization_country_codes: [],
        ip_authorization_city: null,
        ip_authorization_state: null,
        ip_authorization_postalcode: null,
        ip_authorization_asn: null,
        auto_replace_invalid_proxies: true,
        auto_replace_low_country_confidence_proxies: false,
        auto_replace_out_of_rotation_proxies: true,
        auto_replace_failed_site_check_proxies: false,
        proxy_list_download_token: stored.proxy_credentials.proxy_list_download_token,
        is_proxy_used: true,
        created_at: created.created_at,
        updated_at: created.updated_at,
      });
      const account = await http('GET', `${sandbox.webshareBaseUrl}/api/v2/proxy/config/`, {
        headers: webshareSdkHeaders(),
      });
      expect(account.body.username).not.toBe(res.body.username);
      expect(account.body.is_proxy_used).toBe(false);
      expect(account.body.created_at).toMatch(WEBSHARE_DATETIME);
    });

    it('refreshProxyList: POST /api/v2/subuser/<id>/refresh/ without a body; GET (the seed request line) answers the same', async () => {
      // webshare-node src/resources/subusers.ts refreshProxyList(): POST, no body, no Content-Type.
      const created = await createSubuser({ label: 'refresh me', proxy_countries: { ZZ: 1000 } });
      const url = `${sandbox.webshareBaseUrl}/api/v2/subuser/${created.id}/refresh/`;
      const posted = await http('POST', url, { headers: webshareSdkHeaders() });
      const got = await http('GET', url, { headers: webshareSdkHeaders() });

      expect(posted.status).toBe(200);
      expect(got.status).toBe(200);
      expect({ ...got.body, updated_at: posted.body.updated_at }).toEqual(posted.body);
      expect(got.body.updated_at >= posted.body.updated_at).toBe(true);
      expect(sandbox.control.calls()['webshare.refresh']).toBe(2);
    });

    it('protocols_used keys are the SDK\'s ("http", "socks")', () => {
      sandbox.control.seed({ provider: 'webshare', count: 30 });
      const keys = new Set(
        sandbox.control.state('webshare').flatMap((s) => Object.keys(s.aggregate_stats.protocols_used)),
      );
      expect([...keys].sort()).toEqual(['http', 'socks']);
    });
  });

  describe('ProxyHat (ProxyHatCom/go-sdk)', () => {
    const post = (path: string, rawBody: string) =>
      http('POST', `${sandbox.proxyhatBaseUrl}/${path}`, { headers: proxyhatSdkHeaders, body: rawBody });
    const createSubUser = async (extra: Record<string, unknown> = {}) => {
      const res = await post(
        'sub-users',
        JSON.stringify({ proxy_password: 'pw', is_traffic_limited: false, ...extra }),
      );
      expect(res.status).toBe(201);
      return res.body.payload;
    };

    it('BulkMoveToGroup(ctx, ids, nil) sends only {"ids"}: the sub-users leave their group', async () => {
      // sub_users.go BulkMoveToGroup(): group_id is added to the body only when groupID != nil.
      const group = (await post('sub-user-groups', JSON.stringify({ name: 'Team' }))).body.payload;
      const member = await createSubUser({ sub_user_group_id: group.id });
      const res = await post('sub-users/bulk-move-to-group', JSON.stringify({ ids: [member.uuid] }));

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        payload: { requested: 1, moved: 1, not_found: 0 },
        meta: {},
        errors: [],
        description: '',
      });
      const fetched = await http('GET', `${sandbox.proxyhatBaseUrl}/sub-users/${member.uuid}`, {
        headers: proxyhatSdkHeaders,
      });
      expect(fetched.body.payload.sub_user_group_id).toBeNull();
      const after = await http('GET', `${sandbox.proxyhatBaseUrl}/sub-user-groups/${group.id}`, {
        headers: proxyhatSdkHeaders,
      });
      expect(after.body.payload).toMatchObject({ sub_users_count: 0, sub_users: [] });
    });

    it('groups carry sub_users (types.go SubUserGroup.SubUsers) on get, list, create and update', async () => {
      const created = await post('sub-user-groups', JSON.stringify({ name: 'Team', description: 'd' }));
      expect(created.status).toBe(201);
      const group = created.body.payload;
      expect(Object.keys(group)).toEqual([
        'id',
        'name',
        'description',
        'sub_users_count',
        'created_at',
        'sub_users',
      ]);
      expect(group).toMatchObject({ name: 'Team', description: 'd', sub_users_count: 0, sub_users: [] });
      expect(group.created_at).toMatch(PROXYHAT_DATETIME);

      const first = await createSubUser({ sub_user_group_id: group.id, name: 'first' });
      await createSubUser({ name: 'outsider' });
      const second = await createSubUser({ sub_user_group_id: group.id, name: 'second' });
      const got = await http('GET', `${sandbox.proxyhatBaseUrl}/sub-user-groups/${group.id}`, {
        headers: proxyhatSdkHeaders,
      });
      expect(got.body.payload).toEqual({ ...group, sub_users_count: 2, sub_users: [first, second] });
      const list = await http('GET', `${sandbox.proxyhatBaseUrl}/sub-user-groups`, {
        headers: proxyhatSdkHeaders,
      });
      expect(list.body.payload).toEqual([got.body.payload]);
      const renamed = await http('PUT', `${sandbox.proxyhatBaseUrl}/sub-user-groups/${group.id}`, {
        headers: proxyhatSdkHeaders,
        body: JSON.stringify({ name: 'Team B' }),
      });
      expect(renamed.body.payload).toEqual({ ...got.body.payload, name: 'Team B' });
    });

    it.each([
      ['sub-users/bulk-delete', '{"ids":[]}'],
      ['sub-users/bulk-delete', '{"ids":null}'],
      ['sub-users/reset/usage', '{"ids":[]}'],
      ['sub-users/reset/usage', '{"ids":null}'],
    ])('POST %s %s (an empty or nil Go slice): 422, ids is required', async (path, body) => {
      // sub_users.go BulkDelete() / ResetUsage(): body map[string]any{"ids": ids}.
      const res = await post(path, body);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        success: false,
        payload: null,
        errors: { ids: ['The ids field is required.'] },
        description: 'Validation failed',
      });
    });
  });
});
