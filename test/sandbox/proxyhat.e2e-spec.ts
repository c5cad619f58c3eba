import { RunningSandbox, startSandbox } from '@app/sandbox';
import bulkDeleteFixture from './fixtures/proxyhat-bulk-delete.json';
import createFixture from './fixtures/proxyhat-create.json';
import deleteFixture from './fixtures/proxyhat-delete.json';
import getFixture from './fixtures/proxyhat-get.json';
import listFixture from './fixtures/proxyhat-list.json';
import updateFixture from './fixtures/proxyhat-update.json';
import { expectDocumentedShape, http, PH_KEY, phAuth, PROXYHAT_DATETIME, sleep, UUID } from './http-helpers';

// Long enough that the read right after the delete still sees it under a loaded CI machine (150 ms once was not).
const ASYNC_DELETE_MS = 1500;

describe('ProxyHat simulator (sub-user API v1)', () => {
  let sandbox: RunningSandbox;
  let subUsers: string;
  let groups: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      proxyhatKeys: [PH_KEY, 'ph-other-key'],
      asyncDeleteMs: ASYNC_DELETE_MS,
    });
    subUsers = `${sandbox.proxyhatBaseUrl}/sub-users`;
    groups = `${sandbox.proxyhatBaseUrl}/sub-user-groups`;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  /** Replays a fixture's request; its path's example uuid is replaced by `uuid`. */
  const replay = (fixture: { request: { method: string; path: string; body?: unknown } }, uuid?: string) => {
    const path = fixture.request.path.replace(/^\/v1/, '').replace(/[0-9a-f-]{36}$/, uuid ?? '');
    return http(fixture.request.method, `${sandbox.proxyhatBaseUrl}${path}`, {
      headers: phAuth(),
      body: fixture.request.body,
    });
  };
  const create = async (body: Record<string, unknown> = {}, key = PH_KEY) => {
    const res = await http('POST', subUsers, {
      headers: phAuth(key),
      body: { proxy_password: 'pw-12345', ...body },
    });
    expect(res.status).toBe(201);
    return res.body.payload;
  };

  describe('replays of the documented examples', () => {
    it('create (201): traffic_limit "5GB" is stored as 5368709120 bytes', async () => {
      const res = await replay(createFixture);
      const documented = createFixture.response.body;

      expect(res.status).toBe(createFixture.response.status);
      expectDocumentedShape(res.body, documented);
      expect(res.body).toMatchObject({ success: true, meta: {}, errors: [], description: '' });
      expect(res.body.payload).toMatchObject({
        is_default_user: false,
        is_traffic_limited: true,
        used_traffic: 0,
        traffic_limit: 5368709120,
        lifecycle_status: 'Active',
        name: 'My proxy user',
        notes: null,
        sub_user_group_id: null,
        proxy_password: 'securepass123',
        suspended_at: null,
      });
      expect(res.body.payload.uuid).toMatch(UUID);
      expect(res.body.payload.proxy_username).toMatch(/^user_[a-z0-9]+$/);
      expect(res.body.payload.created_at).toMatch(PROXYHAT_DATETIME);
    });

    it('list: a plain array with the documented fields (default user first)', async () => {
      const created = await create({ name: 'Main proxy', is_traffic_limited: true, traffic_limit: '5GB' });
      const res = await replay(listFixture);

      expect(res.status).toBe(listFixture.response.status);
      expectDocumentedShape(res.body, listFixture.response.body);
      expect(Array.isArray(res.body.payload)).toBe(true);
      expect(res.body.payload).toHaveLength(2);
      expect(res.body.payload[0].is_default_user).toBe(true);
      for (const item of res.body.payload) expectDocumentedShape(item, listFixture.response.body.payload[0]);
      expect(res.body.payload[1]).toEqual(created);
      expect(res.body.payload[1].proxy_password).toBe('pw-12345');
    });

    it('get: the documented object', async () => {
      const created = await create({ name: 'Main proxy', is_traffic_limited: true, traffic_limit: '5GB' });
      const res = await replay(getFixture, created.uuid);

      expect(res.status).toBe(getFixture.response.status);
      expectDocumentedShape(res.body, getFixture.response.body);
      expect(res.body.payload).toEqual(created);
      expect(res.body.payload).toMatchObject({ name: 'Main proxy', traffic_limit: 5368709120 });
    });

    it('update (PUT, partial): "10GB" -> 10737418240, other fields unchanged', async () => {
      const created = await create({
        name: 'Main proxy',
        is_traffic_limited: true,
        traffic_limit: '5GB',
        notes: 'n',
      });
      const res = await replay(updateFixture, created.uuid);

      expect(res.status).toBe(updateFixture.response.status);
      expectDocumentedShape(res.body, updateFixture.response.body);
      expect(res.body.payload).toEqual({
        ...created,
        name: 'Updated proxy user',
        traffic_limit: 10737418240,
      });
    });

    it('delete: {deleted: true, status: "deleting"}, lifecycle Deleting, then gone', async () => {
      const created = await create();
      const res = await replay(deleteFixture, created.uuid);

      expect(res.status).toBe(deleteFixture.response.status);
      expectDocumentedShape(res.body, deleteFixture.response.body);
      expect(res.body.payload).toEqual(deleteFixture.response.body.payload);

      const during = await http('GET', `${subUsers}/${created.uuid}`, { headers: phAuth() });
      expect(during.status).toBe(200);
      expect(during.body.payload.lifecycle_status).toBe('Deleting');

      // Gone once the deletion has finished (after ASYNC_DELETE_MS): polled, with a deadline.
      const deadline = Date.now() + 10_000;
      let after = await http('GET', `${subUsers}/${created.uuid}`, { headers: phAuth() });
      while (after.status === 200 && Date.now() < deadline) {
        await sleep(200); // polling faster would meet the simulated rate limit
        after = await http('GET', `${subUsers}/${created.uuid}`, { headers: phAuth() });
      }
      expect(after.status).toBe(404);
      const list = await http('GET', subUsers, { headers: phAuth() });
      expect(list.body.payload.map((s: { uuid: string }) => s.uuid)).not.toContain(created.uuid);
    });

    it('bulk delete of 2 ids counts 2 requested (the docs example says 3 for 2 ids; the sandbox counts what was sent)', async () => {
      const first = await create();
      const second = await create();
      const body = { ids: [first.uuid, second.uuid] };
      const res = await http('POST', `${subUsers}/bulk-delete`, { headers: phAuth(), body });

      expect(res.status).toBe(bulkDeleteFixture.response.status);
      expectDocumentedShape(res.body, bulkDeleteFixture.response.body);
      expect(res.body.payload).toEqual({ requested: 2, deleted: 2, skipped: 0, not_found: 0, failed: 0 });
      expect(bulkDeleteFixture.request.body.ids).toHaveLength(2);
    });
  });

  describe('bulk delete counters', () => {
    it('skips the default user and sub-users already deleting; counts unknown ids as not_found', async () => {
      const defaultUser = sandbox.control.state('proxyhat', PH_KEY).find((s) => s.is_default_user)!;
      const first = await create();
      const second = await create();
      await http('DELETE', `${subUsers}/${second.uuid}`, { headers: phAuth() });

      const ids = [
        first.uuid,
        second.uuid,
        defaultUser.uuid,
        '00000000-0000-4000-8000-000000000000',
        first.uuid,
      ];
      const res = await http('POST', `${subUsers}/bulk-delete`, { headers: phAuth(), body: { ids } });
      expect(res.body.payload).toEqual({ requested: 5, deleted: 1, skipped: 3, not_found: 1, failed: 0 });
    });

    it('422 when ids is missing', async () => {
      const res = await http('POST', `${subUsers}/bulk-delete`, { headers: phAuth(), body: {} });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        success: false,
        payload: null,
        errors: { ids: ['The ids field is required.'] },
        description: 'Validation failed',
      });
    });
  });

  describe('validation, 401, 404', () => {
    it('422 in the documented envelope when proxy_password is missing', async () => {
      const res = await http('POST', subUsers, { headers: phAuth(), body: { name: 'x' } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        success: false,
        payload: null,
        errors: { proxy_password: ['The proxy password field is required.'] },
        description: 'Validation failed',
      });
      expect(sandbox.control.state('proxyhat')).toHaveLength(2); // the two default users only
    });

    it('422 for a bad traffic_limit, a non-boolean flag and an unknown group', async () => {
      const res = await http('POST', subUsers, {
        headers: phAuth(),
        body: {
          proxy_password: 'p',
          traffic_limit: '5 parsecs',
          is_traffic_limited: 'yes',
          sub_user_group_id: 'nope',
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual({
        traffic_limit: ['The traffic limit field format is invalid.'],
        is_traffic_limited: ['The is traffic limited field must be true or false.'],
        sub_user_group_id: ['The selected sub user group id is invalid.'],
      });
    });

    it('401 {"message": "Unauthenticated."} without or with a wrong bearer token', async () => {
      for (const headers of [{}, phAuth('wrong'), { authorization: `Token ${PH_KEY}` }]) {
        const res = await http('GET', subUsers, { headers });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ message: 'Unauthenticated.' });
      }
    });

    it('404 envelope for an unknown uuid on get, update and delete', async () => {
      const url = `${subUsers}/550e8400-e29b-41d4-a716-446655440000`;
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await http(method, url, {
          headers: phAuth(),
          body: method === 'PUT' ? { name: 'x' } : undefined,
        });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          success: false,
          payload: null,
          errors: [],
          description: 'Sub-user not found.',
        });
      }
    });

    it('400 envelope for malformed JSON', async () => {
      const res = await http('POST', subUsers, { headers: phAuth(), body: '{"proxy_password":' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, payload: null, errors: [] });
    });

    it('refuses to delete the default user', async () => {
      const defaultUser = sandbox.control.state('proxyhat', PH_KEY).find((s) => s.is_default_user)!;
      const res = await http('DELETE', `${subUsers}/${defaultUser.uuid}`, { headers: phAuth() });
      expect(res.status).toBe(422);
      expect(res.body.success).toBe(false);
      const still = await http('GET', `${subUsers}/${defaultUser.uuid}`, { headers: phAuth() });
      expect(still.body.payload.lifecycle_status).toBe('Active');
    });
  });

  describe('updates, usage and groups', () => {
    it('PUT changes only what was sent; is_traffic_limited and password can change', async () => {
      const created = await create({ name: 'a', notes: 'keep me' });
      const res = await http('PUT', `${subUsers}/${created.uuid}`, {
        headers: phAuth(),
        body: { is_traffic_limited: true, traffic_limit: '500MB', proxy_password: 'new-pass' },
      });
      expect(res.body.payload).toEqual({
        ...created,
        is_traffic_limited: true,
        traffic_limit: 524288000,
        proxy_password: 'new-pass',
      });
    });

    it('resets usage to 0 and counts the sub-users reset', async () => {
      sandbox.control.seed({ provider: 'proxyhat', count: 3 });
      const used = sandbox.control.state('proxyhat', PH_KEY).filter((s) => s.used_traffic > 0);
      expect(used.length).toBeGreaterThan(0);
      const ids = [...used.map((s) => s.uuid), '00000000-0000-4000-8000-000000000000'];
      const res = await http('POST', `${subUsers}/reset/usage`, { headers: phAuth(), body: { ids } });
      expect(res.body.payload).toEqual({ reset: used.length });
      for (const s of sandbox.control.state('proxyhat', PH_KEY)) expect(s.used_traffic).toBe(0);
    });

    it('groups: create, assign, count, move, ungroup and delete', async () => {
      const made = await http('POST', groups, {
        headers: phAuth(),
        body: { name: 'Team A', description: 'd' },
      });
      expect(made.status).toBe(201);
      const group = made.body.payload;
      expect(group).toMatchObject({ name: 'Team A', description: 'd', sub_users_count: 0 });
      expect(group.created_at).toMatch(PROXYHAT_DATETIME);

      const member = await create({ sub_user_group_id: group.id });
      expect(member.sub_user_group_id).toBe(group.id);
      const other = await create();
      const moved = await http('POST', `${subUsers}/bulk-move-to-group`, {
        headers: phAuth(),
        body: { ids: [other.uuid], group_id: group.id },
      });
      expect(moved.body.payload).toMatchObject({ moved: 1, not_found: 0 });

      let fetched = await http('GET', `${groups}/${group.id}`, { headers: phAuth() });
      expect(fetched.body.payload.sub_users_count).toBe(2);

      await http('PUT', `${subUsers}/${member.uuid}`, {
        headers: phAuth(),
        body: { sub_user_group_id: null },
      });
      fetched = await http('GET', `${groups}/${group.id}`, { headers: phAuth() });
      expect(fetched.body.payload.sub_users_count).toBe(1);

      const renamed = await http('PUT', `${groups}/${group.id}`, {
        headers: phAuth(),
        body: { name: 'Team B' },
      });
      expect(renamed.body.payload).toMatchObject({ name: 'Team B', description: 'd' });

      const list = await http('GET', groups, { headers: phAuth() });
      expect(list.body.payload).toHaveLength(1);

      const removed = await http('DELETE', `${groups}/${group.id}`, { headers: phAuth() });
      expect(removed.status).toBe(200);
      const orphan = await http('GET', `${subUsers}/${other.uuid}`, { headers: phAuth() });
      expect(orphan.body.payload.sub_user_group_id).toBeNull();
      const gone = await http('GET', `${groups}/${group.id}`, { headers: phAuth() });
      expect(gone.status).toBe(404);
    });

    it('422 for a group without a name', async () => {
      const res = await http('POST', groups, { headers: phAuth(), body: {} });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual({ name: ['The name field is required.'] });
    });
  });

  it('keeps each key an account of its own, each with one default user', async () => {
    const mine = await create({ name: 'mine' });
    const theirs = await http('GET', `${subUsers}/${mine.uuid}`, { headers: phAuth('ph-other-key') });
    expect(theirs.status).toBe(404);
    const otherList = await http('GET', subUsers, { headers: phAuth('ph-other-key') });
    expect(otherList.body.payload).toHaveLength(1);
    expect(otherList.body.payload[0].is_default_user).toBe(true);
  });

  // How fast it seeds is measured by bench/sandbox.bench.ts, not asserted here.
  it('seeds varied, deterministic sub-users', async () => {
    expect(sandbox.control.seed({ provider: 'proxyhat', count: 10_000 })).toEqual({ created: 10_000 });
    const seeded = sandbox.control.state('proxyhat', PH_KEY).filter((s) => !s.is_default_user);
    expect(seeded).toHaveLength(10_000);
    expect(new Set(seeded.map((s) => s.is_traffic_limited)).size).toBe(2);
    expect(new Set(seeded.map((s) => s.traffic_limit)).size).toBeGreaterThan(2);

    sandbox.control.reset();
    sandbox.control.seed({ provider: 'proxyhat', count: 5 });
    const again = sandbox.control.state('proxyhat', PH_KEY).filter((s) => !s.is_default_user);
    expect(again.map((s) => s.uuid)).toEqual(seeded.slice(0, 5).map((s) => s.uuid));
  });
});
