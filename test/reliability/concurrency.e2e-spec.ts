import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { FAST_REGISTRY, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';
import { LogCapture } from '../operability/log-capture';
import {
  PROVIDERS,
  ProviderName,
  assertInvariants,
  auditByRequest,
  createBodyFor,
  heldNameOf,
  providerEntries,
  requestId,
  syncAll,
} from './invariants';

/**
 * A timeout long enough that 200 requests at once never time out: these tests are about races
 * between requests, not about lost answers (a retried create after a timeout is in the faults file).
 */
const UPSTREAM_TIMEOUT_MS = '10000';

/**
 * Races, always on PostgreSQL (the embedded database runs one query at a time and would hide
 * them): a database of the local server made for this file, shared by two gateway instances.
 */
describe('concurrency on PostgreSQL', () => {
  let database: TestDatabase;
  let primary: RunningGateway;
  let replica: RunningGateway;
  /** Each instance's log: which instance ran a job is read from its own lines. */
  const logs = { primary: new LogCapture(), replica: new LogCapture() };

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    primary = await startTestGateway(
      {
        ...SANDBOX_ENV,
        UPSTREAM_TIMEOUT_MS: UPSTREAM_TIMEOUT_MS,
        DATABASE_URL: database.url,
        LOG_LEVEL: 'info',
      },
      { registry: FAST_REGISTRY, logStream: logs.primary },
    );
    // Same database, no sandbox of its own: it reaches the primary's sandbox through the stored accounts.
    replica = await startTestGateway(
      {
        DATABASE_URL: database.url,
        SANDBOX: 'false',
        UPSTREAM_RATE_LIMIT: 'false',
        UPSTREAM_TIMEOUT_MS: UPSTREAM_TIMEOUT_MS,
        LOG_LEVEL: 'info',
      },
      { registry: FAST_REGISTRY, logStream: logs.replica },
    );
    sandboxOf(primary).control.configure({ asyncDeleteMs: 600_000, rateLimits: false });
    await syncAll(primary);
  });
  afterAll(async () => {
    await replica?.close();
    await primary?.close();
    // drop() waits for the closed pools to hang up before it forces the drop.
    await database?.drop();
  });
  afterEach(() => sandboxOf(primary).control.configure({ latencyMs: 0 }));

  it('runs against PostgreSQL', () => {
    expect(database.kind).toBe('postgres');
    expect(primary.config.database.url).toBe(database.url);
  });

  it('200 concurrent creates over 50 idempotency keys make exactly 50 sub-users, one answer per key', async () => {
    const { control } = sandboxOf(primary);
    control.configure({ latencyMs: 30 }); // the first request of a key is still running when the others arrive
    const before = control.calls();
    const keys = Array.from({ length: 50 }, (_, index) => ({
      key: `conc-${randomUUID()}`,
      provider: PROVIDERS[index % PROVIDERS.length],
      name: `conc-create-${index}`,
      body: {
        ...createBodyFor(PROVIDERS[index % PROVIDERS.length], `conc-create-${index}`),
        metadata: { batch: 'conc' },
      },
    }));
    const calls = Array.from({ length: 200 }, (_, index) => keys[index % keys.length]);
    // Half of them through each gateway instance: the key is claimed in the shared database.
    const responses = await Promise.all(
      calls.map(({ key, body }, index) =>
        request((index % 2 === 0 ? primary : replica).url)
          .post('/v1/sub-users')
          .set(admin)
          .set('Idempotency-Key', key)
          .send(body),
      ),
    );
    const byKey = new Map<string, request.Response[]>();
    calls.forEach(({ key }, index) => byKey.set(key, [...(byKey.get(key) ?? []), responses[index]]));
    for (const [key, answers] of byKey) {
      const created = answers.filter((answer) => answer.status === 201);
      const firsts = created.filter((answer) => answer.headers['idempotent-replayed'] !== 'true');
      expect({ key, firsts: firsts.length }).toEqual({ key, firsts: 1 });
      for (const answer of created) expect(answer.body).toEqual(firsts[0].body);
      for (const answer of answers.filter((item) => item.status !== 201)) {
        expect({ status: answer.status, code: answer.body.code }).toEqual({
          status: 409,
          code: 'IDEMPOTENCY_IN_PROGRESS',
        });
      }
      // Once the first has finished, every retry gets the same answer.
      const replay = await request(replica.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(keys.find((entry) => entry.key === key)!.body)
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(firsts[0].body);
    }

    const after = control.calls();
    const made = (provider: ProviderName) =>
      (after[`${provider}.create`] ?? 0) - (before[`${provider}.create`] ?? 0);
    for (const provider of PROVIDERS) {
      const expected = keys
        .filter((entry) => entry.provider === provider)
        .map((entry) => heldNameOf(provider, entry.name))
        .sort();
      expect({ provider, made: made(provider) }).toEqual({ provider, made: expected.length });
      const names = providerEntries(primary, provider)
        .map((entry) => entry.name)
        .filter((name): name is string => name !== null && expected.includes(name));
      expect(names.sort()).toEqual(expected);
    }
    const rows = await prismaOf(primary).subUserMapping.findMany({
      where: { name: { startsWith: 'conc-create-' } },
    });
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => row.lifecycle === 'active' && row.providerSubUserId !== null)).toBe(true);
    expect(
      await prismaOf(primary).auditEvent.count({
        where: { action: 'sub-user.created', targetId: { in: rows.map((row) => row.id) } },
      }),
    ).toBe(50);
    await syncAll(primary);
    await assertInvariants(primary, { uniqueNames: (name) => name.startsWith('conc') });
  });

  it.each(PROVIDERS)(
    '%s: concurrent PATCH and DELETE on one sub-user end consistent (no resurrection)',
    async (provider) => {
      const { control } = sandboxOf(primary);
      control.configure({ latencyMs: 20 });
      const rounds = 12;
      for (let round = 0; round < rounds; round += 1) {
        const target = await createSubUser(
          primary,
          createBodyFor(provider, `conc-race-${provider}-${round}`),
        );
        const ids = {
          patchA: requestId('race-patch'),
          del: requestId('race-delete'),
          patchB: requestId('race-patch'),
        };
        // PATCH, DELETE and PATCH at once, through both instances.
        const [patchA, del, patchB] = await Promise.all([
          request(primary.url)
            .patch(`/v1/sub-users/${target.id}`)
            .set(admin)
            .set('X-Request-Id', ids.patchA)
            .send({ name: `${target.name}-a` }),
          request(replica.url).delete(`/v1/sub-users/${target.id}`).set(admin).set('X-Request-Id', ids.del),
          request(replica.url)
            .patch(`/v1/sub-users/${target.id}`)
            .set(admin)
            .set('X-Request-Id', ids.patchB)
            .send({ name: `${target.name}-b` }),
        ]);
        const answers = { patchA, del, patchB };
        for (const [label, answer] of Object.entries(answers)) {
          expect({
            label,
            status: answer.status < 500,
            problem: answer.status < 400 || typeof answer.body.code === 'string',
          }).toEqual({
            label,
            status: true,
            problem: true,
          });
          const events = await auditByRequest(primary, ids[label as keyof typeof ids]);
          if (answer.status < 300) {
            expect({ label, events }).toEqual({
              label,
              events: [expect.objectContaining({ outcome: 'ok' })],
            });
          } else {
            expect({ label, ok: events.filter((event) => event.outcome === 'ok') }).toEqual({
              label,
              ok: [],
            });
            expect(events.length).toBeLessThanOrEqual(1);
          }
        }
        expect(del.status).toBe(200);
        const expected = provider === 'proxyhat' ? 'deleting' : 'deleted';
        expect(del.body.status).toBe(expected);
        // Nothing that finished afterwards brought it back.
        const row = await prismaOf(primary).subUserMapping.findUniqueOrThrow({ where: { id: target.id } });
        expect({ round, status: row.status }).toEqual({ round, status: expected });
        const held = providerEntries(primary, provider).find(
          (entry) => entry.id === target.providerSubUserId,
        );
        // ProxyHat deletes asynchronously; the others are gone at once.
        if (provider === 'proxyhat') expect(held?.deleting).toBe(true);
        else expect(held).toBeUndefined();
        const deletedEvents = await prismaOf(primary).auditEvent.count({
          where: { targetId: target.id, action: 'sub-user.deleted', outcome: 'ok' },
        });
        expect(deletedEvents).toBe(1);
      }
      await syncAll(primary);
      await assertInvariants(primary, { uniqueNames: (name) => name.startsWith('conc') });
    },
  );

  it('two gateway instances on one database never run the same bulk-delete job twice', async () => {
    const { control } = sandboxOf(primary);
    const jobsCount = 16;
    const perJob = 4;
    const targets: { id: string; provider: ProviderName }[][] = [];
    for (let job = 0; job < jobsCount; job += 1) {
      const group: { id: string; provider: ProviderName }[] = [];
      for (let item = 0; item < perJob; item += 1) {
        // Webshare fans a bulk delete out, ProxyHat has a bulk call: both kinds of job.
        const provider = (['webshare', 'proxyhat'] as const)[item % 2];
        const created = await createSubUser(primary, { provider, name: `conc-job-${job}-${item}` });
        group.push({ id: created.id, provider });
      }
      targets.push(group);
    }
    control.configure({ latencyMs: 20 });
    control.resetCalls();
    const accepted = await Promise.all(
      targets.map((group, index) =>
        request((index % 2 === 0 ? primary : replica).url)
          .post('/v1/sub-users/bulk-delete')
          .set(admin)
          .send({ ids: group.map((item) => item.id) })
          .expect(202),
      ),
    );
    const jobs = await Promise.all(accepted.map((answer) => waitForJob(primary, answer.body.id)));
    for (const job of jobs) {
      expect({ id: job.id, status: job.status, attempts: job.attempts, counts: job.counts }).toEqual({
        id: job.id,
        status: 'succeeded',
        attempts: 1,
        counts: { requested: perJob, deleted: perJob, skipped: 0, notFound: 0, failed: 0 },
      });
    }
    const calls = control.calls();
    // Webshare deletes fan out one call per sub-user; ProxyHat has one bulk call per job.
    expect(calls['webshare.delete']).toBe(jobsCount * (perJob / 2));
    expect(calls['proxyhat.bulkDelete']).toBe(jobsCount);
    const ids = targets.flat().map((item) => item.id);
    const events = await prismaOf(primary).auditEvent.groupBy({
      by: ['targetId'],
      where: { targetId: { in: ids }, action: 'sub-user.deleted' },
      _count: { _all: true },
    });
    expect(events).toHaveLength(ids.length);
    expect(events.every((event) => event._count._all === 1)).toBe(true);
    // Each job ran once, on one instance: one "finished" line in one log, one job.finished row.
    for (const job of jobs) {
      const ranOn = Object.entries(logs).flatMap(([instance, log]) =>
        log.lines.filter((line) => line.includes(`${job.id} succeeded`)).map(() => instance),
      );
      expect({ job: job.id, ranOn: ranOn.length }).toEqual({ job: job.id, ranOn: 1 });
      const finished = await prismaOf(primary).auditEvent.count({
        where: { targetId: job.id, action: 'job.finished' },
      });
      expect({ job: job.id, finished }).toEqual({ job: job.id, finished: 1 });
    }
    await syncAll(primary);
    await assertInvariants(primary, { uniqueNames: (name) => name.startsWith('conc') });
  });

  it('the same tenant name from two instances at once: one 201, the rest 409 CONFLICT, one row, one audit row', async () => {
    for (let round = 0; round < 5; round += 1) {
      const name = `conc-tenant-${round}-${randomUUID().slice(0, 8)}`;
      const before = await prismaOf(primary).auditEvent.count({ where: { action: 'tenant.created' } });
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          request((index % 2 === 0 ? primary : replica).url)
            .post('/v1/tenants')
            .set(admin)
            .send({ name }),
        ),
      );
      expect({ round, statuses: answers.map((answer) => answer.status).sort() }).toEqual({
        round,
        statuses: [201, 409, 409, 409, 409, 409, 409, 409],
      });
      for (const answer of answers.filter((item) => item.status === 409)) {
        expect({ round, code: answer.body.code }).toEqual({ round, code: 'CONFLICT' });
      }
      const winner = answers.find((answer) => answer.status === 201)!;
      const rows = await prismaOf(primary).tenant.findMany({ where: { name } });
      expect({ round, rows: rows.map((row) => row.id) }).toEqual({ round, rows: [winner.body.id] });
      const audited = await prismaOf(primary).auditEvent.findMany({ where: { action: 'tenant.created' } });
      expect({
        round,
        added: audited.length - before,
        target: audited.filter((row) => row.targetId === winner.body.id).length,
      }).toEqual({
        round,
        added: 1,
        target: 1,
      });
    }
  });

  it('200 concurrent tenant creates over 50 idempotency keys through two instances: one tenant and one answer per key', async () => {
    const keys = Array.from({ length: 50 }, (_, index) => ({
      key: randomUUID(),
      name: `conc-keyed-${index}-${randomUUID().slice(0, 6)}`,
    }));
    const calls = Array.from({ length: 200 }, (_, index) => keys[index % keys.length]);
    const responses = await Promise.all(
      calls.map(({ key, name }, index) =>
        request((index % 2 === 0 ? primary : replica).url)
          .post('/v1/tenants')
          .set(admin)
          .set('Idempotency-Key', key)
          .send({ name }),
      ),
    );
    for (const { key, name } of keys) {
      const answers = responses.filter((_, index) => calls[index].key === key);
      const firsts = answers.filter(
        (answer) => answer.status === 201 && answer.headers['idempotent-replayed'] !== 'true',
      );
      expect({ key, firsts: firsts.length }).toEqual({ key, firsts: 1 });
      for (const answer of answers.filter((item) => item !== firsts[0])) {
        expect({ key, answer: answer.status === 201 ? answer.body : answer.body.code }).toEqual({
          key,
          answer: answer.status === 201 ? firsts[0].body : 'IDEMPOTENCY_IN_PROGRESS',
        });
      }
      const rows = await prismaOf(primary).tenant.findMany({ where: { name } });
      expect({ key, rows: rows.map((row) => row.id) }).toEqual({ key, rows: [firsts[0].body.id] });
      const audited = await prismaOf(primary).auditEvent.count({
        where: { action: 'tenant.created', targetId: firsts[0].body.id, outcome: 'ok' },
      });
      expect({ key, audited }).toEqual({ key, audited: 1 });
    }
    const records = await prismaOf(primary).idempotencyRecord.findMany({
      where: { key: { in: keys.map((entry) => entry.key) } },
    });
    expect(records.map((record) => record.state)).toEqual(keys.map(() => 'completed'));
  });
});
