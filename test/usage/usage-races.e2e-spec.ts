import request from 'supertest';
import { SubUserMappingRepository } from '@app/persistence';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, startTestGateway } from '../support/gateway';
import { syncNow } from '../sync/sync-helpers';
import { GB, MB, addTraffic, createLimited, eventsOf } from './usage-helpers';

/** Usage observed by more than one writer, and across the changes that move a limit. */
describe('usage: observations that race or follow a limit change', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const fetched = async (id: string) =>
    (await request(gateway.url).get(`/v1/sub-users/${id}`).set(admin).expect(200)).body;
  const series = async (id: string) =>
    (await request(gateway.url).get(`/v1/sub-users/${id}/usage`).set(admin).expect(200)).body.totalBytes;

  it('a listing page fetched before a rename and a fresh read does not undo them nor count usage twice', async () => {
    const created = await createLimited(gateway, 'webshare', { trafficLimit: '10GB' });
    addTraffic(gateway, 'webshare', created.providerSubUserId, GB);
    await syncNow(gateway.url);
    const renamed = `${created.name}-renamed`;
    // Between the sync's fetch of the page and its read of the records: more traffic, a fresh
    // read (it records 2 GB) and a rename, each answered 200.
    const mappings = gateway.app.get(SubUserMappingRepository);
    const read = mappings.findLiveByProviderIds.bind(mappings);
    let armed = true;
    const spy = jest.spyOn(mappings, 'findLiveByProviderIds').mockImplementation(async (accountId, ids) => {
      if (armed && ids.includes(created.providerSubUserId)) {
        armed = false;
        addTraffic(gateway, 'webshare', created.providerSubUserId, GB);
        await request(gateway.url).get(`/v1/sub-users/${created.id}?fresh=true`).set(admin).expect(200);
        await request(gateway.url)
          .patch(`/v1/sub-users/${created.id}`)
          .set(admin)
          .send({ name: renamed })
          .expect(200);
      }
      return read(accountId, ids);
    });
    try {
      await syncNow(gateway.url);
    } finally {
      spy.mockRestore();
    }
    expect(armed).toBe(false);
    const after = await fetched(created.id);
    expect(after.name).toBe(renamed);
    expect(after.traffic).toMatchObject({ usedBytes: 2 * GB, lifetimeUsedBytes: 2 * GB });
    expect((await eventsOf(gateway, created.id)).map((event) => event.type)).not.toContain(
      'sub-user.drift-detected',
    );
    // The next sync agrees.
    await syncNow(gateway.url);
    expect((await fetched(created.id)).traffic.lifetimeUsedBytes).toBe(2 * GB);
    expect(await series(created.id)).toBe(2 * GB);
  });

  it('usage the provider shows in the answers to suspend and resume is counted, and survives a reset', async () => {
    const created = await createLimited(gateway, 'proxyhat');
    addTraffic(gateway, 'proxyhat', created.providerSubUserId, 100 * MB);
    await request(gateway.url).post(`/v1/sub-users/${created.id}/suspend`).set(admin).expect(200);
    await request(gateway.url).post(`/v1/sub-users/${created.id}/resume`).set(admin).expect(200);
    await syncNow(gateway.url);
    expect(await series(created.id)).toBe(100 * MB);
    await request(gateway.url).post(`/v1/sub-users/${created.id}/reset-usage`).set(admin).expect(200);
    await syncNow(gateway.url);
    expect((await fetched(created.id)).traffic.lifetimeUsedBytes).toBe(100 * MB);
    expect(await series(created.id)).toBe(100 * MB);
    // A suspension lowers the limit to what was used: that announces no threshold.
    expect(
      (await eventsOf(gateway, created.id)).filter((event) =>
        event.type.startsWith('sub-user.usage-threshold'),
      ),
    ).toEqual([]);
  });

  it('after a raise of the limit, reaching the new one is announced again (IPRoyal never resets its counter)', async () => {
    const created = await createLimited(gateway, 'iproyal', { trafficLimit: '100MB' });
    addTraffic(gateway, 'iproyal', created.providerSubUserId, 100 * MB);
    await syncNow(gateway.url);
    await request(gateway.url)
      .patch(`/v1/sub-users/${created.id}`)
      .set(admin)
      .send({ trafficLimit: '1GB' })
      .expect(200);
    addTraffic(gateway, 'iproyal', created.providerSubUserId, 924 * MB);
    await syncNow(gateway.url);
    const announced = (await eventsOf(gateway, created.id))
      .filter((event) => ['sub-user.usage-threshold', 'sub-user.traffic-exhausted'].includes(event.type))
      .map((event) => event.changes?.threshold ?? 'exhausted');
    expect(announced).toEqual([80, 90, 100, 'exhausted', 80, 90, 100, 'exhausted']);
  });
});
