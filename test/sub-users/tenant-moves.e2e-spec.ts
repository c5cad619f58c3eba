import request from 'supertest';
import { admin, claimTaken, tenantWithKey as tenantWithKeyOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY, createSubUser } from '../sub-users/sub-users-helpers';

const GB = 1024 ** 3;

/**
 * An admin moves a sub-user to another tenant (PATCH {tenantId}): the tenant it enters must have
 * room for it in its budget, counted with the creates and changes in flight there.
 */
describe('PATCH /v1/sub-users/:id {tenantId}: moves against the budget of the tenant entered', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV }, { registry: FAST_REGISTRY });
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(() => sandboxOf(gateway).control.configure({ latencyMs: 0 }));

  const tenantWithKey = (budget?: Record<string, unknown>) => tenantWithKeyOf(gateway, 'move', budget);

  const move = (id: string, body: Record<string, unknown>) =>
    request(gateway.url).patch(`/v1/sub-users/${id}`).set(admin).send(body);

  it('moves into a tenant with room; refuses a tenant at maxSubUsers with QUOTA_EXCEEDED, nothing moved', async () => {
    const source = await tenantWithKey();
    const full = await tenantWithKey({ maxSubUsers: 1, period: 'month' });
    const roomy = await tenantWithKey({ maxSubUsers: 2, period: 'month' });
    await createSubUser(gateway, { provider: 'iproyal', name: 'already-there' }, full.as);
    const mover = await createSubUser(gateway, { provider: 'iproyal', name: 'mover' }, source.as);

    const refused = await move(mover.id, { tenantId: full.tenant.id }).expect(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      budget: 'maxSubUsers',
      limit: 1,
      current: 1,
    });
    await request(gateway.url).get(`/v1/sub-users/${mover.id}`).set(source.as).expect(200);
    await request(gateway.url).get(`/v1/sub-users/${mover.id}`).set(full.as).expect(404);

    const moved = await move(mover.id, { tenantId: roomy.tenant.id }).expect(200);
    expect(moved.body.tenantId).toBe(roomy.tenant.id);
    await request(gateway.url).get(`/v1/sub-users/${mover.id}`).set(roomy.as).expect(200);
    await request(gateway.url).get(`/v1/sub-users/${mover.id}`).set(source.as).expect(404);
    // Moving it back out of the budgeted tenant, or "into" the tenant it is in, needs no room.
    await move(mover.id, { tenantId: roomy.tenant.id }).expect(200);
    await move(mover.id, { tenantId: source.tenant.id }).expect(200);
  });

  it('brings its traffic limit: an unlimited one, or one past the budget, is refused', async () => {
    const source = await tenantWithKey();
    const budgeted = await tenantWithKey({ maxTrafficBytes: 3 * GB, period: 'month' });
    await createSubUser(gateway, { provider: 'proxyhat', name: 'holds-2', trafficLimit: '2GB' }, budgeted.as);
    const unlimited = await createSubUser(gateway, { provider: 'proxyhat', name: 'unlimited' }, source.as);
    const twoGb = await createSubUser(
      gateway,
      { provider: 'proxyhat', name: 'two', trafficLimit: '2GB' },
      source.as,
    );
    const oneGb = await createSubUser(
      gateway,
      { provider: 'proxyhat', name: 'one', trafficLimit: '1GB' },
      source.as,
    );

    const noLimit = await move(unlimited.id, { tenantId: budgeted.tenant.id }).expect(422);
    expect(noLimit.body.code).toBe('QUOTA_EXCEEDED');
    const tooMuch = await move(twoGb.id, { tenantId: budgeted.tenant.id }).expect(422);
    expect(tooMuch.body).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      budget: 'maxTrafficBytes',
      allocated: 2 * GB,
    });
    // The same move with a limit that fits: the provider is asked for it, then the move recorded.
    const lowered = await move(twoGb.id, { tenantId: budgeted.tenant.id, trafficLimit: '1GB' }).expect(200);
    expect(lowered.body).toMatchObject({ tenantId: budgeted.tenant.id, traffic: { limitBytes: GB } });
    // Now full: a third sub-user of 1 GB does not fit, and its provider limit is left as it was.
    const calls = sandboxOf(gateway).control.calls()['proxyhat.update'] ?? 0;
    await move(oneGb.id, { tenantId: budgeted.tenant.id, trafficLimit: '1GB' }).expect(422);
    expect(sandboxOf(gateway).control.calls()['proxyhat.update'] ?? 0).toBe(calls);
    const left = await request(gateway.url)
      .get(`/v1/sub-users/${oneGb.id}?fresh=true`)
      .set(source.as)
      .expect(200);
    expect(left.body).toMatchObject({ tenantId: source.tenant.id, traffic: { limitBytes: GB } });
  });

  it('a move in flight holds its place: a create in the tenant meanwhile is refused', async () => {
    const source = await tenantWithKey();
    const target = await tenantWithKey({ maxSubUsers: 1, period: 'month' });
    const mover = await createSubUser(gateway, { provider: 'proxyhat', name: 'slow-mover' }, source.as);
    // A slow provider answer keeps the move (with its limit change) in flight.
    await sandboxOf(gateway).control.configure({ latencyMs: 400 });
    const moving = move(mover.id, { tenantId: target.tenant.id, trafficLimit: '1GB' }).then(
      (answer) => answer,
    );
    await claimTaken(gateway, mover.id);
    const create = await request(gateway.url)
      .post('/v1/sub-users')
      .set(target.as)
      .send({ provider: 'iproyal', name: 'latecomer' });
    expect((await moving).status).toBe(200);
    expect({ status: create.status, code: create.body.code }).toEqual({
      status: 422,
      code: 'QUOTA_EXCEEDED',
    });
    const listed = await request(gateway.url).get('/v1/sub-users').set(target.as).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([mover.id]);
  });

  it('a change to a sub-user already being changed is 409 even when its limit would not fit the budget', async () => {
    const { as } = await tenantWithKey({ maxTrafficBytes: 3 * GB, period: 'month' });
    const busy = await createSubUser(
      gateway,
      { provider: 'proxyhat', name: 'busy', trafficLimit: '1GB' },
      as,
    );
    await sandboxOf(gateway).control.configure({ latencyMs: 400 });
    const first = request(gateway.url)
      .patch(`/v1/sub-users/${busy.id}`)
      .set(as)
      .send({ trafficLimit: '2GB' })
      .then((answer) => answer);
    await claimTaken(gateway, busy.id);
    const second = await request(gateway.url)
      .patch(`/v1/sub-users/${busy.id}`)
      .set(as)
      .send({ trafficLimit: '5GB' });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'CONFLICT' });
    expect((await first).status).toBe(200);
  });
});
