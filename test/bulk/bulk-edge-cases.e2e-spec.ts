import request from 'supertest';
import { admin, claimTaken, tenantWithKey as tenantWithKeyOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';

const GB = 1024 ** 3;

/** What a hostile review of the bulk jobs found: ids spelled in capitals, budgets raced by concurrent changes. */
describe('bulk jobs: edge cases', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV }, { registry: FAST_REGISTRY });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const tenantWithKey = (budget?: Record<string, unknown>) => tenantWithKeyOf(gateway, 'edge', budget);

  it('bulk-deletes and bulk-updates ids spelled in capitals as the sub-users they name', async () => {
    const { as } = await tenantWithKey();
    const doomed = await createSubUser(gateway, { provider: 'iproyal', name: 'caps-delete' }, as);
    const kept = await createSubUser(gateway, { provider: 'iproyal', name: 'caps-update' }, as);

    const deletion = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(as)
      .send({ ids: [doomed.id.toUpperCase()] })
      .expect(202);
    const deleted = await waitForJob(gateway, deletion.body.id, as);
    expect(deleted.counts).toMatchObject({ requested: 1, deleted: 1, notFound: 0 });
    expect(deleted.results).toEqual([{ id: doomed.id, outcome: 'deleted' }]);
    const gone = await request(gateway.url).get(`/v1/sub-users/${doomed.id}`).set(as).expect(200);
    expect(gone.body.status).toBe('deleted');

    const update = await request(gateway.url)
      .post('/v1/sub-users/bulk-update')
      .set(as)
      .send({ items: [{ id: kept.id.toUpperCase(), metadata: { plan: 'gold' } }] })
      .expect(202);
    const updated = await waitForJob(gateway, update.body.id, as);
    expect(updated.results).toEqual([{ index: 0, id: kept.id, outcome: 'updated' }]);
    const after = await request(gateway.url).get(`/v1/sub-users/${kept.id}`).set(as).expect(200);
    expect(after.body.metadata).toEqual({ plan: 'gold' });

    // The audit trail and the event feed find it by either spelling too.
    const audit = await request(gateway.url)
      .get(`/v1/audit-events?targetId=${doomed.id.toUpperCase()}`)
      .set(admin)
      .expect(200);
    expect(audit.body.items.map((row: { action: string }) => row.action)).toContain('sub-user.deleted');
    const events = await request(gateway.url)
      .get(`/v1/events?subUserId=${kept.id.toUpperCase()}`)
      .set(as)
      .expect(200);
    expect(events.body.items.map((event: { type: string }) => event.type)).toContain('sub-user.updated');
  });

  it('creates on, and lists by, an account id spelled in capitals', async () => {
    const accounts = (await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200)).body
      .items as { id: string; name: string }[];
    const iproyal = accounts.find((account) => account.name === 'iproyal-sandbox')!;
    const { as } = await tenantWithKey();
    const created = await createSubUser(
      gateway,
      { providerAccountId: iproyal.id.toUpperCase(), name: 'caps' },
      as,
    );
    expect(created.providerAccountId).toBe(iproyal.id);
    const listed = await request(gateway.url)
      .get(`/v1/sub-users?providerAccountId=${iproyal.id.toUpperCase()}`)
      .set(as)
      .expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([created.id]);
  });

  it('a create naming a provider is placed among its accounts; a placement naming other providers is refused, not obeyed', async () => {
    const { as } = await tenantWithKey();
    const calls = () => sandboxOf(gateway).control.calls();
    const before = { ...calls() };
    const refused = await request(gateway.url)
      .post('/v1/sub-users')
      .set(as)
      .send({ provider: 'webshare', name: 'mixed-single', placement: { providers: ['proxyhat'] } });
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'placement.providers' })]);
    expect(calls()).toEqual(before);

    const placed = await createSubUser(
      gateway,
      { provider: 'webshare', name: 'placed-single', placement: { strategy: 'least-used' } },
      as,
    );
    expect(placed.provider).toBe('webshare');

    const job = await request(gateway.url)
      .post('/v1/sub-users/bulk-create')
      .set(as)
      .send({
        items: [{ provider: 'webshare', name: 'mixed-bulk' }, { name: 'placed-bulk' }],
        placement: { providers: ['proxyhat'] },
      })
      .expect(202);
    const done = await waitForJob(gateway, job.body.id, as);
    expect(done.results.map((item: { outcome: string }) => item.outcome)).toEqual(['failed', 'created']);
    expect(done.results[0].error.code).toBe('VALIDATION_FAILED');
    const created = await request(gateway.url).get(`/v1/sub-users/${done.results[1].id}`).set(as).expect(200);
    expect(created.body.provider).toBe('proxyhat');
  });

  it('a job whose key was revoked before it ran does not act for it', async () => {
    const { as, keyId } = await tenantWithKey();
    const target = await createSubUser(gateway, { provider: 'iproyal', name: 'outlives-revoked-key' }, as);
    // Two slow jobs fill the runner (two at a time), so the next one waits in the queue.
    sandboxOf(gateway).control.configure({ latencyMs: 1500 });
    const blockers = await Promise.all(
      [1, 2].map(
        async (n) =>
          (
            await request(gateway.url)
              .post('/v1/sub-users/bulk-create')
              .set(admin)
              .send({ items: [{ provider: 'iproyal', name: `blocker-${n}` }] })
              .expect(202)
          ).body.id,
      ),
    );
    const queued = await request(gateway.url)
      .post('/v1/sub-users/bulk-delete')
      .set(as)
      .send({ ids: [target.id] })
      .expect(202);
    expect((await request(gateway.url).get(`/v1/jobs/${queued.body.id}`).set(admin)).body.status).toBe(
      'queued',
    );
    await request(gateway.url).delete(`/v1/api-keys/${keyId}`).set(admin).expect(200);
    sandboxOf(gateway).control.configure({ latencyMs: 0 });
    for (const id of blockers) await waitForJob(gateway, id);

    const ended = await waitForJob(gateway, queued.body.id);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatch(/revoked/);
    const kept = await request(gateway.url).get(`/v1/sub-users/${target.id}`).set(admin).expect(200);
    expect(kept.body.status).toBe('active');
  });

  it('a bulk create spreads its items by the placement strategy, not all on the account the first item saw as best', async () => {
    const { as } = await tenantWithKey();
    const accountOf = async (ids: string[]) => {
      const where: Record<string, number> = {};
      for (const id of ids) {
        const { body } = await request(gateway.url).get(`/v1/sub-users/${id}`).set(as).expect(200);
        where[body.provider] = (where[body.provider] ?? 0) + 1;
      }
      return where;
    };
    const placeEight = async (strategy: string) => {
      const job = await request(gateway.url)
        .post('/v1/sub-users/bulk-create')
        .set(as)
        .send({
          items: Array.from({ length: 8 }, (_, n) => ({ name: `${strategy}-${n}` })),
          placement: { providers: ['webshare', 'proxyhat'], strategy },
        })
        .expect(202);
      const done = await waitForJob(gateway, job.body.id, as);
      expect(done.counts).toMatchObject({ created: 8, failed: 0 });
      return accountOf(done.results.map((item: { id: string }) => item.id));
    };
    expect(await placeEight('round-robin')).toEqual({ webshare: 4, proxyhat: 4 });
    const live = async () => {
      const { body } = await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200);
      return Object.fromEntries(
        (body.items as { provider: string; name: string; subUserCount: number }[])
          .filter((account) => account.name.endsWith('-sandbox'))
          .map((account) => [account.provider, account.subUserCount]),
      );
    };
    // Webshare three ahead: least-used gives ProxyHat the next three, then alternates.
    const start = await live();
    const [behind, count] =
      start.webshare - start.proxyhat <= 3
        ? ['webshare', 3 - (start.webshare - start.proxyhat)]
        : ['proxyhat', start.webshare - start.proxyhat - 3];
    for (let n = 0; n < count; n++)
      await createSubUser(gateway, { provider: behind, name: `ahead-${n}` }, as);
    const before = await live();
    expect(before.webshare - before.proxyhat).toBe(3);
    const spread = await placeEight('least-used');
    const after = await live();
    expect(spread.proxyhat).toBeGreaterThanOrEqual(4);
    expect(spread.webshare).toBeGreaterThanOrEqual(2);
    expect(Math.abs(after.webshare - after.proxyhat)).toBeLessThanOrEqual(2);
  });

  describe('limit changes in flight at once, under a traffic budget of 10 GiB held 6 GiB by three sub-users', () => {
    // Slow provider answers keep every change in flight while the others are checked.
    beforeEach(() => sandboxOf(gateway).control.configure({ latencyMs: 300 }));
    afterEach(() => sandboxOf(gateway).control.configure({ latencyMs: 0 }));

    async function budgetedTenant() {
      const { tenant, as } = await tenantWithKey({ maxTrafficBytes: 10 * GB, period: 'month' });
      const ids: string[] = [];
      for (const n of [1, 2, 3])
        ids.push(
          (await createSubUser(gateway, { provider: 'proxyhat', name: `b${n}`, trafficLimit: '2GB' }, as)).id,
        );
      return { tenant, as, ids };
    }

    async function allocatedBytes(ids: string[], as: { Authorization: string }): Promise<number> {
      let total = 0;
      for (const id of ids) {
        const { body } = await request(gateway.url).get(`/v1/sub-users/${id}?fresh=true`).set(as).expect(200);
        total += body.traffic.limitBytes;
      }
      return total;
    }

    it('a bulk update raising all three to 4 GB applies two and refuses the third with QUOTA_EXCEEDED', async () => {
      const { as, ids } = await budgetedTenant();
      const job = await request(gateway.url)
        .post('/v1/sub-users/bulk-update')
        .set(as)
        .send({ items: ids.map((id) => ({ id, trafficLimit: '4GB' })) })
        .expect(202);
      const done = await waitForJob(gateway, job.body.id, as);
      expect(done.counts).toMatchObject({ updated: 2, failed: 1 });
      const failed = done.results.filter((item: { outcome: string }) => item.outcome === 'failed');
      expect(failed.map((item: { error: { code: string } }) => item.error.code)).toEqual(['QUOTA_EXCEEDED']);
      expect(await allocatedBytes(ids, as)).toBe(10 * GB);
    });

    it('three PATCHes raising each to 4 GB at once: two 200, one 422, and the budget holds', async () => {
      const { as, ids } = await budgetedTenant();
      const answers = await Promise.all(
        ids.map((id) =>
          request(gateway.url).patch(`/v1/sub-users/${id}`).set(as).send({ trafficLimit: '4GB' }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 422]);
      expect(answers.find((answer) => answer.status === 422)!.body.code).toBe('QUOTA_EXCEEDED');
      expect(await allocatedBytes(ids, as)).toBe(10 * GB);
      // Recorded changes release their reservation: lowering one frees room for another raise.
      const raised = ids.filter((_, index) => answers[index].status === 200);
      const refused = ids.find((_, index) => answers[index].status === 422)!;
      await request(gateway.url)
        .patch(`/v1/sub-users/${raised[0]}`)
        .set(as)
        .send({ trafficLimit: '2GB' })
        .expect(200);
      await request(gateway.url)
        .patch(`/v1/sub-users/${refused}`)
        .set(as)
        .send({ trafficLimit: '4GB' })
        .expect(200);
    });

    it('a create while a raise is in flight counts the raise', async () => {
      const { as, ids } = await budgetedTenant();
      const raise = request(gateway.url)
        .patch(`/v1/sub-users/${ids[0]}`)
        .set(as)
        .send({ trafficLimit: '6GB' });
      const raising = raise.then((answer) => answer);
      await claimTaken(gateway, ids[0]);
      const create = await request(gateway.url)
        .post('/v1/sub-users')
        .set(as)
        .send({ provider: 'proxyhat', name: 'b4', trafficLimit: '2GB' });
      expect((await raising).status).toBe(200);
      expect({ status: create.status, code: create.body.code }).toEqual({
        status: 422,
        code: 'QUOTA_EXCEEDED',
      });
    });
  });
});
