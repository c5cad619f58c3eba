import { RunningSandbox, startSandbox } from '@app/sandbox';
import refreshFixture from './fixtures/webshare-refresh.json';
import objectFixture from './fixtures/webshare-subuser-object.json';
import { expectDocumentedShape, http, WEBSHARE_DATETIME, WS_KEY, wsAuth } from './http-helpers';

const documented = objectFixture.response.body;

describe('Webshare simulator (sub-user API v2)', () => {
  let sandbox: RunningSandbox;
  let subusers: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, webshareKeys: [WS_KEY, 'ws-other-key'] });
    subusers = `${sandbox.webshareBaseUrl}/api/v2/subuser/`;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  const create = (body: unknown, key = WS_KEY, query = '') =>
    http('POST', `${subusers}${query}`, { headers: wsAuth(key), body });

  describe('replays of the documented examples', () => {
    it('creates the documented object (seed 001) with every documented field and type', async () => {
      const { label, proxy_countries, proxy_limit, max_thread_count } = documented;
      const res = await create({ label, proxy_countries, proxy_limit, max_thread_count });

      expect(res.status).toBe(201);
      expectDocumentedShape(res.body, documented);
      expect(Object.keys(res.body).sort()).toEqual(Object.keys(documented).sort());
      expect(Object.keys(res.body.aggregate_stats).sort()).toEqual(
        Object.keys(documented.aggregate_stats).sort(),
      );
      expect(res.body).toMatchObject({
        label: 'Test User',
        proxy_countries: { ZZ: 1000 },
        max_thread_count: 500,
      });
      expect(res.body.proxy_limit).toBe(10);
      // Django prints floats with a decimal point; so does the sandbox.
      expect(res.text).toContain('"proxy_limit":10.0');
      expect(Number.isInteger(res.body.id)).toBe(true);
      for (const field of [
        'created_at',
        'updated_at',
        'bandwidth_use_start_date',
        'bandwidth_use_end_date',
      ]) {
        expect(res.body[field]).toMatch(WEBSHARE_DATETIME);
      }
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);

      const fetched = await http('GET', `${subusers}${res.body.id}/`, { headers: wsAuth() });
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(res.body);
    });

    it('refreshes the proxy list (seed 000: POST .../refresh/) and answers the documented object', async () => {
      const created = await create({ label: 'Test User', proxy_countries: { ZZ: 1000 }, proxy_limit: 10.0 });
      const path = refreshFixture.request.path.replace('<ID>', String(created.body.id));
      const res = await http(refreshFixture.request.method, `${sandbox.webshareBaseUrl}${path}`, {
        headers: wsAuth(),
      });

      expect(res.status).toBe(refreshFixture.response.status);
      expectDocumentedShape(res.body, refreshFixture.response.body);
      expect(res.body).toMatchObject({
        id: created.body.id,
        label: 'Test User',
        proxy_countries: { ZZ: 1000 },
      });
      expect(res.body.updated_at >= created.body.updated_at).toBe(true);
    });

    it('refuses to refresh a sub-user without a custom proxy list (400, DRF detail)', async () => {
      const created = await create({ label: 'no list', proxy_countries: null });
      const res = await http('POST', `${subusers}${created.body.id}/refresh/`, { headers: wsAuth() });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        detail: 'Cannot refresh proxy list of a user without custom proxy list.',
        code: 'invalid',
      });
    });
  });

  describe('create, update, delete', () => {
    it('applies documented defaults and sets the end date one month after the start', async () => {
      const res = await create({ label: 'defaults', bandwidth_use_start_date: '2026-01-31T10:00:00Z' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ proxy_limit: 0, proxy_countries: null, max_thread_count: 500 });
      expect(res.body.bandwidth_use_start_date).toBe('2026-01-31T10:00:00.000000+00:00');
      expect(res.body.bandwidth_use_end_date).toBe('2026-02-28T10:00:00.000000+00:00');
      expect(res.body.aggregate_stats).toMatchObject({
        bandwidth_total: 0,
        requests_total: 0,
        error_reasons: [],
      });
    });

    it('gives increasing ids that are never reused', async () => {
      const first = await create({ label: 'a' });
      const second = await create({ label: 'b' });
      await http('DELETE', `${subusers}${second.body.id}/`, { headers: wsAuth() });
      const third = await create({ label: 'c' });
      expect(second.body.id).toBeGreaterThan(first.body.id);
      expect(third.body.id).toBeGreaterThan(second.body.id);
      for (const id of [first.body.id, second.body.id, third.body.id])
        expect(Number.isSafeInteger(id)).toBe(true);
    });

    it('seeded sub-users keep their seed numbers as ids and list before created ones', async () => {
      const created = await create({ label: 'created first' });
      sandbox.control.seed({ provider: 'webshare', count: 2 });
      const listed = await http('GET', subusers, { headers: wsAuth() });
      expect(listed.body.results.map((s: { id: number }) => s.id)).toEqual([1, 2, created.body.id]);
      const deleted = await http('DELETE', `${subusers}1/`, { headers: wsAuth() });
      expect(deleted.status).toBe(204);
      const after = await http('GET', subusers, { headers: wsAuth() });
      expect(after.body.results.map((s: { id: number }) => s.id)).toEqual([2, created.body.id]);
    });

    it('PATCH changes only the fields sent', async () => {
      const created = await create({ label: 'before', proxy_limit: 5, proxy_countries: { US: 3 } });
      const res = await http('PATCH', `${subusers}${created.body.id}/`, {
        headers: wsAuth(),
        body: { label: 'after', max_thread_count: 20 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        label: 'after',
        max_thread_count: 20,
        proxy_limit: 5,
        proxy_countries: { US: 3 },
      });
      expect(res.body.created_at).toBe(created.body.created_at);
      const listed = await http('GET', subusers, { headers: wsAuth() });
      expect(listed.body.results[0]).toEqual(res.body);
    });

    it('DELETE answers 204 with an empty body, then the id is 404', async () => {
      const created = await create({ label: 'doomed' });
      const res = await http('DELETE', `${subusers}${created.body.id}/`, { headers: wsAuth() });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const after = await http('GET', `${subusers}${created.body.id}/`, { headers: wsAuth() });
      expect(after.status).toBe(404);
      expect(after.body).toEqual({ detail: 'Not found.' });
    });

    it('validates types and ranges with DRF field errors (400)', async () => {
      const res = await create({ proxy_limit: 'lots', max_thread_count: 2.5, proxy_countries: 'US' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        proxy_limit: [{ message: 'A valid number is required.', code: 'invalid' }],
        max_thread_count: [{ message: 'A valid integer is required.', code: 'invalid' }],
        proxy_countries: [
          { message: 'Expected a dictionary of items but got type "str".', code: 'not_a_dict' },
        ],
      });
      const negative = await create({ proxy_limit: -1 });
      expect(negative.body).toEqual({
        proxy_limit: [{ message: 'Ensure this value is greater than or equal to 0.', code: 'min_value' }],
      });
      expect(sandbox.control.state('webshare')).toHaveLength(0);
    });

    it('answers malformed JSON with a DRF parse error', async () => {
      const res = await http('POST', subusers, { headers: wsAuth(), body: '{"label": ' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/^JSON parse error - /);
    });
  });

  describe('errors', () => {
    it('401 without credentials and with a wrong token', async () => {
      const missing = await http('GET', subusers);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(missing.headers['x-request-id']).toBeDefined();

      const wrong = await http('GET', subusers, { headers: wsAuth('nope') });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ detail: 'Invalid token.' });

      const bearer = await http('GET', subusers, { headers: { authorization: `Bearer ${WS_KEY}` } });
      expect(bearer.status).toBe(401);
    });

    it('404 for unknown and non-numeric ids', async () => {
      for (const id of ['999', 'abc']) {
        const res = await http('GET', `${subusers}${id}/`, { headers: wsAuth() });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: 'Not found.' });
      }
    });
  });

  describe('pagination', () => {
    beforeEach(() => sandbox.control.seed({ provider: 'webshare', count: 25 }));

    it('walks 25 sub-users in pages of 10 with absolute next/previous links', async () => {
      const page1 = await http('GET', `${subusers}?page_size=10`, { headers: wsAuth() });
      expect(page1.status).toBe(200);
      expect(page1.body.count).toBe(25);
      expect(page1.body.results).toHaveLength(10);
      expect(page1.body.previous).toBeNull();
      expect(page1.body.next).toBe(`${subusers}?page=2&page_size=10`);

      const page2 = await http('GET', page1.body.next, { headers: wsAuth() });
      expect(page2.body.results.map((s: { id: number }) => s.id)).toEqual([
        11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      ]);
      // DRF drops `page` from the link back to page 1.
      expect(page2.body.previous).toBe(`${subusers}?page_size=10`);

      const page3 = await http('GET', page2.body.next, { headers: wsAuth() });
      expect(page3.body.results).toHaveLength(5);
      expect(page3.body.next).toBeNull();
      expect(page3.body.previous).toBe(`${subusers}?page=2&page_size=10`);
    });

    it.each([
      [1, 25],
      [7, 4],
      [25, 1],
      [100, 1],
    ])('page_size %i gives %i pages and every sub-user exactly once', async (pageSize, pages) => {
      const seen: number[] = [];
      let url: string | null = `${subusers}?page_size=${pageSize}`;
      let count = 0;
      while (url !== null) {
        const res = await http('GET', url, { headers: wsAuth() });
        expect(res.body.count).toBe(25);
        seen.push(...res.body.results.map((s: { id: number }) => s.id));
        url = res.body.next;
        count++;
      }
      expect(count).toBe(pages);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('defaults to 10 per page, caps page_size at 100 and keeps other query parameters', async () => {
      const byDefault = await http('GET', subusers, { headers: wsAuth() });
      expect(byDefault.body.results).toHaveLength(10);
      expect(byDefault.body.next).toBe(`${subusers}?page=2`);

      await sandbox.control.seed({ provider: 'webshare', count: 200 });
      const capped = await http('GET', `${subusers}?page_size=500`, { headers: wsAuth() });
      expect(capped.body.results).toHaveLength(100);
      expect(capped.body.next).toBe(`${subusers}?page=2&page_size=500`);
    });

    it('404 "Invalid page." for out-of-range or non-numeric pages; "last" works', async () => {
      for (const page of ['4', '0', 'x']) {
        const res = await http('GET', `${subusers}?page=${page}&page_size=10`, { headers: wsAuth() });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: 'Invalid page.' });
      }
      const last = await http('GET', `${subusers}?page=last&page_size=10`, { headers: wsAuth() });
      expect(last.body.results).toHaveLength(5);
    });

    it('an empty account lists one empty page', async () => {
      const res = await http('GET', subusers, { headers: wsAuth('ws-other-key') });
      expect(res.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    });
  });

  describe('accounts and plans', () => {
    it('keeps each key an account of its own', async () => {
      const mine = await create({ label: 'mine' });
      const theirs = await http('GET', `${subusers}${mine.body.id}/`, { headers: wsAuth('ws-other-key') });
      expect(theirs.status).toBe(404);
      const other = await create({ label: 'theirs' }, 'ws-other-key');
      expect(other.body.id).toBeGreaterThan(mine.body.id);
      expect(sandbox.control.state('webshare', WS_KEY).map((s) => s.label)).toEqual(['mine']);
    });

    it('separates sub-users by plan_id and rejects a non-integer plan_id', async () => {
      await create({ label: 'default plan' });
      const planned = await create({ label: 'plan 42' }, WS_KEY, '?plan_id=42');
      expect(planned.status).toBe(201);

      const plan42 = await http('GET', `${subusers}?plan_id=42`, { headers: wsAuth() });
      expect(plan42.body.results.map((s: { label: string }) => s.label)).toEqual(['plan 42']);
      const defaultPlan = await http('GET', subusers, { headers: wsAuth() });
      expect(defaultPlan.body.results.map((s: { label: string }) => s.label)).toEqual(['default plan']);
      const wrongPlan = await http('GET', `${subusers}${planned.body.id}/`, { headers: wsAuth() });
      expect(wrongPlan.status).toBe(404);

      const bad = await http('GET', `${subusers}?plan_id=abc`, { headers: wsAuth() });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ plan_id: [{ message: 'A valid integer is required.', code: 'invalid' }] });
    });
  });

  describe('masquerade: GET /api/v2/proxy/config/ with X-Subuser', () => {
    it("returns that sub-user's stable proxy credentials", async () => {
      const created = await create({ label: 'proxy user' });
      const config = `${sandbox.webshareBaseUrl}/api/v2/proxy/config/`;
      const first = await http('GET', config, {
        headers: { ...wsAuth(), 'x-subuser': String(created.body.id) },
      });
      const again = await http('GET', config, {
        headers: { ...wsAuth(), 'x-subuser': String(created.body.id) },
      });
      expect(first.status).toBe(200);
      expect(first.body.username).toEqual(expect.any(String));
      expect(first.body.password).toEqual(expect.any(String));
      expect(first.body.proxy_list_download_token).toEqual(expect.any(String));
      expect(again.body).toEqual(first.body);
      const stored = sandbox.control.state('webshare').find((s) => s.id === created.body.id);
      expect(stored?.proxy_credentials.username).toBe(first.body.username);

      const account = await http('GET', config, { headers: wsAuth() });
      expect(account.status).toBe(200);
      expect(account.body.username).not.toBe(first.body.username);

      const unknown = await http('GET', config, { headers: { ...wsAuth(), 'x-subuser': '424242' } });
      expect(unknown.status).toBe(404);
    });
  });
});
