import request from 'supertest';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { SubUserAccess } from '../../apps/gateway/src/sub-users/sub-user-access';
import { GB, MB, addTraffic, createLimited, sleep } from './usage-helpers';

/**
 * Suspend, resume and limit changes decided on the record as claimed, not as first read: a change
 * recorded between the two must not be undone at the provider.
 */
describe('suspend and resume: races and provider suspensions', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Short upstream timeouts: the lost answers below are waited for.
    gateway = await startTestGateway({ ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800' });
  });
  afterAll(async () => {
    await gateway?.close();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await sandboxOf(gateway).control.configure({ latencyMs: 0 });
  });

  /** The `n`th claim (1-based) from now on waits `ms` before it is taken. */
  function delayClaim(n: number, ms: number) {
    const access = gateway.app.get(SubUserAccess);
    const claim = access.claim.bind(access);
    let calls = 0;
    jest.spyOn(access, 'claim').mockImplementation(async (...args) => {
      calls += 1;
      if (calls === n) await sleep(ms);
      return claim(...args);
    });
  }
  const fresh = async (id: string) =>
    (await request(gateway.url).get(`/v1/sub-users/${id}?fresh=true`).set(admin).expect(200)).body;
  const post = (id: string, action: 'suspend' | 'resume') =>
    request(gateway.url).post(`/v1/sub-users/${id}/${action}`).set(admin);

  it('two resumes at once: both answer the resumed sub-user, and its limit is the one it had', async () => {
    const created = await createLimited(gateway, 'proxyhat');
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, 10 * MB);
    await post(created.id, 'suspend').expect(200);
    await sandboxOf(gateway).control.configure({ latencyMs: 200 });
    delayClaim(2, 600);
    const [first, second] = await Promise.all([
      post(created.id, 'resume'),
      sleep(50).then(() => post(created.id, 'resume')),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toMatchObject({ status: 'active', traffic: { limitBytes: GB } });
    expect((await fresh(created.id)).traffic.limitBytes).toBe(GB);
  });

  it('two suspends at once: the second lowers nothing again and answers the suspended sub-user', async () => {
    const created = await createLimited(gateway, 'proxyhat');
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, 10 * MB);
    await sandboxOf(gateway).control.configure({ latencyMs: 200 });
    delayClaim(2, 900);
    const [first, second] = await Promise.all([
      post(created.id, 'suspend'),
      sleep(50).then(() => post(created.id, 'suspend')),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toMatchObject({ status: 'suspended', suspension: { resumeLimitBytes: GB } });
  });

  it('a limit change claimed after a suspend was recorded becomes the limit resume gives back', async () => {
    const created = await createLimited(gateway, 'webshare');
    addTraffic(gateway, 'webshare', created.providerSubUserId, 10 * MB);
    delayClaim(1, 800);
    const patching = request(gateway.url)
      .patch(`/v1/sub-users/${created.id}`)
      .set(admin)
      .send({ trafficLimit: '2GB' })
      .then((answer) => answer);
    await sleep(100);
    await post(created.id, 'suspend').expect(200);
    const patched = await patching;
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'suspended', suspension: { resumeLimitBytes: 2 * GB } });
    // The provider keeps the lowered limit: no traffic flows while suspended.
    expect((await fresh(created.id)).traffic.limitBytes).toBe(10 * MB);
    await post(created.id, 'resume').expect(200);
    expect((await fresh(created.id)).traffic.limitBytes).toBe(2 * GB);
  });

  it('a suspend whose answer was lost is read back: done, and resume gives back the limit it had', async () => {
    const created = await createLimited(gateway, 'proxyhat');
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, 10 * MB);
    // The provider lowers the limit; its answer never arrives (nor that of any retry of the call).
    sandboxOf(gateway).control.addFault({
      provider: 'proxyhat',
      operation: 'update',
      mode: 'timeout-after',
      times: 5,
    });
    const suspended = await post(created.id, 'suspend').expect(200);
    sandboxOf(gateway).control.clearFaults();
    expect(suspended.body).toMatchObject({ status: 'suspended', suspension: { resumeLimitBytes: GB } });
    await post(created.id, 'resume').expect(200);
    expect((await fresh(created.id)).traffic.limitBytes).toBe(GB);
  });

  it('a sub-user its provider suspended cannot be "resumed" to unlimited by the gateway: 409, no provider call', async () => {
    const created = await createLimited(gateway, 'proxyhat');
    // As a sync records ProxyHat's own suspension (suspended_at): suspended, with no gateway suspension.
    await prismaOf(gateway).subUserMapping.update({
      where: { id: created.id },
      data: { status: 'suspended' },
    });
    const calls = sandboxOf(gateway).control.calls()['proxyhat.update'] ?? 0;
    const refused = await post(created.id, 'resume').expect(409);
    expect(refused.body.code).toBe('CONFLICT');
    expect(refused.body.detail).toMatch(/suspended by its provider/);
    expect(sandboxOf(gateway).control.calls()['proxyhat.update'] ?? 0).toBe(calls);
    // The claim was let go: other changes still go through.
    await request(gateway.url)
      .patch(`/v1/sub-users/${created.id}`)
      .set(admin)
      .send({ metadata: { a: 'b' } })
      .expect(200);
  });
});
