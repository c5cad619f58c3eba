import { RunningSandbox, startSandbox } from '@app/sandbox';
import examples from './fixtures/iproyal-examples.json';
import { http, IR_KEY, irAuth, ULID } from './http-helpers';

const GB = 1024 ** 3;

describe('IPRoyal simulator (residential sub-user API v1)', () => {
  let sandbox: RunningSandbox;
  let subusers: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      iproyalKeys: [IR_KEY, 'iproyal-other-key'],
      iproyalBalanceGb: 100,
    });
    subusers = `${sandbox.iproyalBaseUrl}/residential-subusers`;
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  /** Replays a documented request; `<hash>` in its path becomes `hash`. */
  const replay = (request: { method: string; path: string; body?: unknown }, hash = '') =>
    http(
      request.method,
      `${sandbox.iproyalBaseUrl}${request.path.replace(/^\/v1/, '').replace('<hash>', hash)}`,
      {
        headers: irAuth(),
        body: request.body,
      },
    );
  const create = async (body: Record<string, unknown>, key = IR_KEY) => {
    const res = await http('POST', subusers, { headers: irAuth(key), body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const balance = () => sandbox.control.iproyalBalance().available_traffic;
  const documented = examples.subuserObject;

  describe('replays of the documented examples', () => {
    it('create: answers the documented SubuserResource field by field (201)', async () => {
      const res = await replay(examples.create.request);

      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(Object.keys(documented));
      expect(res.body).toEqual({ ...documented, id: res.body.id, hash: res.body.hash });
      expect(Number.isInteger(res.body.id)).toBe(true);
      expect(res.body.hash).toMatch(ULID);
      expect(res.body.hash).toHaveLength(documented.hash.length);
      // The optional limits are stored, not shown (the resource has no such field).
      const [stored] = sandbox.control.state('iproyal', IR_KEY);
      expect(stored.limits).toEqual(examples.create.request.body.limits);
    });

    it('get: the same object', async () => {
      const created = await create(examples.create.request.body);
      const res = await http('GET', `${subusers}/${created.hash}`, { headers: irAuth() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
    });

    it('GET /me: available_traffic (GB), subusers_count, residential_user_hash', async () => {
      sandbox.control.setIproyalBalance({ gb: examples.me.response.body.available_traffic });
      sandbox.control.seed({ provider: 'iproyal', count: examples.me.response.body.subusers_count });
      const res = await replay(examples.me.request);

      expect(res.status).toBe(examples.me.response.status);
      expect(Object.keys(res.body)).toEqual(Object.keys(examples.me.response.body));
      expect(res.body.available_traffic).toBe(32.6);
      expect(res.body.subusers_count).toBe(13);
      expect(res.body.residential_user_hash).toMatch(ULID);
      expect(res.body.residential_user_hash.slice(0, 3)).toBe('01H');
    });

    it('list: Laravel paginator {data, meta} with exactly the documented meta fields; search by username', async () => {
      const mine = await create({ username: 'subuser123', password: 'securepassword', traffic: 1 });
      await create({ username: 'another', password: 'securepassword', traffic: 1 });
      const res = await replay(examples.list.request);

      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['data', 'meta']);
      expect(Object.keys(res.body.meta)).toEqual(examples.list.response.metaFields);
      expect(res.body).toEqual({
        data: [mine],
        meta: { current_page: 1, from: 1, last_page: 1, path: subusers, per_page: 10, to: 1, total: 1 },
      });
    });

    it('update: PUT traffic 5.0 SETS traffic_available 10 -> 5 and returns 5 GB to the balance', async () => {
      const created = await create({ username: 'subuser123', password: 'securepassword', traffic: 10 });
      expect(balance()).toBe(90);
      const res = await replay(examples.update.request, created.hash);

      expect(res.status).toBe(examples.update.response.status);
      expect(res.body).toEqual({ ...created, traffic_available: examples.update.response.traffic_available });
      expect(balance()).toBe(95);
    });

    it('give-traffic: 10 + 5 -> 15, taken from the balance', async () => {
      const created = await create({ username: 'subuser123', password: 'securepassword', traffic: 10 });
      const res = await replay(examples.giveTraffic.request, created.hash);

      expect(res.status).toBe(examples.giveTraffic.response.status);
      expect(res.body).toEqual({
        ...created,
        traffic_available: examples.giveTraffic.response.traffic_available,
      });
      expect(balance()).toBe(85);
    });

    it('take-traffic: 10 - 5 -> 5, back to the balance', async () => {
      const created = await create({ username: 'subuser123', password: 'securepassword', traffic: 10 });
      const res = await replay(examples.takeTraffic.request, created.hash);

      expect(res.status).toBe(examples.takeTraffic.response.status);
      expect(res.body).toEqual({
        ...created,
        traffic_available: examples.takeTraffic.response.traffic_available,
      });
      expect(balance()).toBe(95);
    });

    it('delete: 204 without a body; the unused traffic returns to the main account', async () => {
      const created = await create({ username: 'subuser123', password: 'securepassword', traffic: 10 });
      sandbox.control.addTraffic({ provider: 'iproyal', subUserId: created.hash, bytes: 2 * GB });
      const res = await replay(examples.delete.request, created.hash);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(balance()).toBe(98); // 100 - 10 + the 8 GB left unused
      const after = await http('GET', `${subusers}/${created.hash}`, { headers: irAuth() });
      expect(after.status).toBe(404);
    });
  });

  describe('the prepaid balance', () => {
    it('refuses a create bigger than the balance (422 on traffic) and changes nothing', async () => {
      sandbox.control.setIproyalBalance({ gb: 3.5 });
      const res = await http('POST', subusers, {
        headers: irAuth(),
        body: { username: 'bigone', password: 'secret123', traffic: 4 },
      });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        message: 'Insufficient balance: the account has only 3.5 GB of traffic available.',
        errors: { traffic: ['Insufficient balance: the account has only 3.5 GB of traffic available.'] },
      });
      expect(balance()).toBe(3.5);
      expect(sandbox.control.state('iproyal', IR_KEY)).toEqual([]);
      // Exactly the whole balance is fine.
      expect(
        (await create({ username: 'bigone', password: 'secret123', traffic: 3.5 })).traffic_available,
      ).toBe(3.5);
      expect(balance()).toBe(0);
    });

    it('PUT traffic above allocation + balance, give-traffic above the balance, take-traffic above the allocation: 422', async () => {
      const created = await create({ username: 'mover', password: 'secret123', traffic: 60 });
      const url = `${subusers}/${created.hash}`;

      const put = await http('PUT', url, { headers: irAuth(), body: { traffic: 100.5 } });
      expect(put.status).toBe(422);
      expect(put.body.errors).toEqual({
        traffic: ['Insufficient balance: the account has only 40 GB of traffic available.'],
      });
      const give = await http('POST', `${url}/give-traffic`, { headers: irAuth(), body: { amount: 40.25 } });
      expect(give.status).toBe(422);
      expect(give.body.errors).toEqual({
        amount: ['Insufficient balance: the account has only 40 GB of traffic available.'],
      });
      const take = await http('POST', `${url}/take-traffic`, { headers: irAuth(), body: { amount: 60.1 } });
      expect(take.status).toBe(422);
      expect(take.body).toEqual({
        message: "The amount must not be greater than the sub-user's available traffic (60 GB).",
        errors: { amount: ["The amount must not be greater than the sub-user's available traffic (60 GB)."] },
      });
      expect(balance()).toBe(40);

      // PUT up to allocation + balance works; fractions move exactly.
      expect(
        (await http('PUT', url, { headers: irAuth(), body: { traffic: 100 } })).body.traffic_available,
      ).toBe(100);
      expect(balance()).toBe(0);
      const back = await http('POST', `${url}/take-traffic`, { headers: irAuth(), body: { amount: 0.1 } });
      expect(back.body.traffic_available).toBe(99.9);
      expect(balance()).toBe(0.1);
      const again = await http('POST', `${url}/give-traffic`, { headers: irAuth(), body: { amount: '0.1' } });
      expect(again.body.traffic_available).toBe(100);
      expect(balance()).toBe(0);
    });

    it('keeps balance + allocations constant through every move', async () => {
      const a = await create({ username: 'alpha', password: 'secret123', traffic: 12.345 });
      const b = await create({ username: 'bravo', password: 'secret123', traffic: 0.001 });
      await http('PUT', `${subusers}/${a.hash}`, { headers: irAuth(), body: { traffic: 7.7 } });
      await http('POST', `${subusers}/${b.hash}/give-traffic`, {
        headers: irAuth(),
        body: { amount: 1.111 },
      });
      await http('POST', `${subusers}/${a.hash}/take-traffic`, { headers: irAuth(), body: { amount: 0.7 } });
      const state = sandbox.control.state('iproyal', IR_KEY);
      const allocated = state.reduce((sum, s) => sum + s.traffic_available_bytes, 0);
      expect(sandbox.control.iproyalBalance().available_bytes + allocated).toBe(100 * GB);
      expect(state.map((s) => s.traffic_available)).toEqual([7, 1.112]);
    });

    it('each key is an account of its own with its own balance; the admin API sets one key', async () => {
      const set = await http('PUT', `${sandbox.url}/__sandbox/iproyal/balance`, {
        body: { key: 'iproyal-other-key', gb: 2.25 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        key: 'iproyal-other-key',
        available_traffic: 2.25,
        available_bytes: 2.25 * GB,
      });
      const mine = await create({ username: 'mine', password: 'secret123', traffic: 1 });
      const theirs = await http('GET', `${subusers}/${mine.hash}`, { headers: irAuth('iproyal-other-key') });
      expect(theirs.status).toBe(404);
      // The same username is free in another account.
      await create({ username: 'mine', password: 'secret123', traffic: 1 }, 'iproyal-other-key');
      const me = await http('GET', `${sandbox.iproyalBaseUrl}/me`, { headers: irAuth('iproyal-other-key') });
      expect(me.body).toMatchObject({ available_traffic: 1.25, subusers_count: 1 });
      const read = await http('GET', `${sandbox.url}/__sandbox/iproyal/balance`);
      expect(read.body).toEqual({ key: IR_KEY, available_traffic: 99, available_bytes: 99 * GB });
      const bad = await http('PUT', `${sandbox.url}/__sandbox/iproyal/balance`, { body: { gb: -1 } });
      expect(bad.status).toBe(400);
      sandbox.control.reset();
      expect(sandbox.control.iproyalBalance('iproyal-other-key').available_traffic).toBe(100);
    });
  });

  describe('validation (Laravel 422)', () => {
    it('names every missing field and counts the others in the message', async () => {
      const res = await http('POST', subusers, { headers: irAuth(), body: {} });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        message: 'The username field is required. (and 2 more errors)',
        errors: {
          username: ['The username field is required.'],
          password: ['The password field is required.'],
          traffic: ['The traffic field is required.'],
        },
      });
    });

    it('usernames: unique per account ignoring case, 3..32 letters and digits', async () => {
      await create({ username: 'Taken1', password: 'secret123', traffic: 0 });
      const cases: [unknown, string[]][] = [
        ['taken1', ['The username has already been taken.']],
        ['ab', ['The username field must be at least 3 characters.']],
        ['a'.repeat(33), ['The username field must not be greater than 32 characters.']],
        ['bad-name', ['The username field must only contain letters and numbers.']],
        [
          'x!',
          [
            'The username field must be at least 3 characters.',
            'The username field must only contain letters and numbers.',
          ],
        ],
        [42, ['The username field must be a string.']],
        ['   ', ['The username field is required.']],
      ];
      for (const [username, messages] of cases) {
        const res = await http('POST', subusers, {
          headers: irAuth(),
          body: { username, password: 'secret123', traffic: 1 },
        });
        expect({ username, status: res.status, errors: res.body.errors }).toEqual({
          username,
          status: 422,
          errors: { username: messages },
        });
      }
    });

    it('passwords (6..64 letters and digits, never trimmed), traffic (a number >= 0), limits (integers >= 0)', async () => {
      const res = await http('POST', subusers, {
        headers: irAuth(),
        body: {
          username: 'valid1',
          password: ' spaced ',
          traffic: 'lots',
          limits: { daily_limit: 1.5, monthly_limit: -1 },
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual({
        password: ['The password field must only contain letters and numbers.'],
        traffic: ['The traffic field must be a number.'],
        'limits.daily_limit': ['The limits.daily limit field must be an integer.'],
        'limits.monthly_limit': ['The limits.monthly limit field must be at least 0.'],
      });
      const negative = await http('POST', subusers, {
        headers: irAuth(),
        body: { username: 'valid1', password: 'secret123', traffic: -0.5, limits: [] },
      });
      expect(negative.body.errors).toEqual({
        traffic: ['The traffic field must be at least 0.'],
        limits: ['The limits field must be an array.'],
      });
    });

    it('PUT validates only what it is sent; renaming to its own name is fine, to a taken one is not', async () => {
      const first = await create({ username: 'first1', password: 'secret123', traffic: 1 });
      await create({ username: 'second2', password: 'secret123', traffic: 1 });
      const url = `${subusers}/${first.hash}`;
      const same = await http('PUT', url, { headers: irAuth(), body: { username: 'FIRST1' } });
      expect(same.status).toBe(200);
      expect(same.body).toEqual({ ...first, username: 'FIRST1' });
      const taken = await http('PUT', url, {
        headers: irAuth(),
        body: { username: 'Second2', password: null },
      });
      expect(taken.status).toBe(422);
      expect(taken.body.errors).toEqual({
        username: ['The username has already been taken.'],
        password: ['The password field is required.'],
      });
      const changed = await http('PUT', url, { headers: irAuth(), body: { password: 'newPass99' } });
      expect(changed.body).toEqual({ ...first, username: 'FIRST1', password: 'newPass99' });
    });

    it('amount: required, a number, greater than 0', async () => {
      const created = await create({ username: 'amounts', password: 'secret123', traffic: 1 });
      for (const [body, message] of [
        [{}, 'The amount field is required.'],
        [{ amount: true }, 'The amount field must be a number.'],
        [{ amount: 0 }, 'The amount field must be greater than 0.'],
      ] as const) {
        const res = await http('POST', `${subusers}/${created.hash}/give-traffic`, {
          headers: irAuth(),
          body,
        });
        expect(res.status).toBe(422);
        expect(res.body).toEqual({ message, errors: { amount: [message] } });
      }
    });

    it('reads a malformed JSON body as no input, as Laravel does (422, not 400)', async () => {
      const res = await http('POST', subusers, { headers: irAuth(), body: '{"username": ' });
      expect(res.status).toBe(422);
      expect(Object.keys(res.body.errors)).toEqual(['username', 'password', 'traffic']);
    });
  });

  describe('ids', () => {
    it('hashes are ULID-like and never reused; legacy ids increase', async () => {
      const first = await create({ username: 'one111', password: 'secret123', traffic: 0 });
      await http('DELETE', `${subusers}/${first.hash}`, { headers: irAuth() });
      const second = await create({ username: 'one111', password: 'secret123', traffic: 0 });
      expect(second.hash).toMatch(ULID);
      expect(second.hash).not.toBe(first.hash);
      expect(second.id).toBeGreaterThan(first.id);
    });
  });
});
