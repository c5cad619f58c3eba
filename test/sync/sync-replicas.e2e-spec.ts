import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunningSandbox } from '@app/sandbox';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { LogCapture } from '../operability/log-capture';
import { JobRunner } from '../../apps/gateway/src/jobs/job-runner.service';
import { AccountResult, accountIds, subUsersNamed, waitForJob } from './sync-helpers';

/**
 * One sync per account at a time, across replicas: the job lease decides who runs it. Always two
 * gateways (each its own JobRunner; the second without a sandbox of its own) on one database of
 * the local PostgreSQL: the embedded database belongs to one process and runs one query at a
 * time, so it could not show two replicas racing for a job.
 */
describe('sync with two replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  let primary: RunningGateway;
  let replicas: RunningGateway[];
  /** Each replica's log, in the order of `replicas`: who ran a job is read from its own lines. */
  const logs: LogCapture[] = [];
  let sandbox: RunningSandbox;
  let accounts: { webshare: string; proxyhat: string };

  /** A gateway on the shared database whose log lines are kept. */
  async function replicaOf(env: Record<string, string>): Promise<RunningGateway> {
    const log = new LogCapture();
    const gateway = await startTestGateway(
      { ...env, DATABASE_URL: database.url, LOG_LEVEL: 'info' },
      { logStream: log },
    );
    logs.push(log);
    return gateway;
  }

  /** The replicas (indexes into `replicas`) that logged finishing this job. */
  const ranOn = (jobId: string) =>
    logs.flatMap((log, index) =>
      log.lines
        .filter((line) => /Job \S+ \S+ (succeeded|failed) in/.test(line) && line.includes(jobId))
        .map(() => index),
    );

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    // A lost answer (timeout-after) is given up on quickly.
    primary = await replicaOf({ ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '1500' });
    sandbox = sandboxOf(primary);
    accounts = await accountIds(primary.url);
    // Same database, no sandbox: it reaches the primary's sandbox through the stored accounts.
    replicas = [primary, await replicaOf({ SANDBOX: 'false' })];
  });
  afterAll(async () => {
    for (const replica of [...(replicas ?? [])].reverse()) await replica.close();
    await database?.drop();
  });

  it('runs each sync exactly once, on whichever replica claims it', async () => {
    sandbox.control.seed({ provider: 'webshare', count: 250, labelPrefix: 'replica-ws-' });
    sandbox.control.seed({ provider: 'proxyhat', count: 5, labelPrefix: 'replica-ph-' });
    sandbox.control.resetCalls();

    // Each account's sync is asked of a different replica; every replica polls for work.
    const last = replicas[replicas.length - 1];
    const [ws, ph] = await Promise.all([
      request(primary.url)
        .post('/v1/sync')
        .set(admin)
        .send({ providerAccountId: accounts.webshare })
        .expect(202),
      request(last.url)
        .post('/v1/sync')
        .set(admin)
        .send({ providerAccountId: accounts.proxyhat })
        .expect(202),
    ]);
    const jobs = [await waitForJob(primary.url, ws.body.id), await waitForJob(primary.url, ph.body.id)];
    for (const job of jobs) expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
    // Each ran exactly once, by one replica: one finishing line in one replica's log, and one
    // job.finished row (written only by the lease holder that finished it).
    for (const job of jobs) {
      expect({ job: job.id, ranOn: ranOn(job.id).length }).toEqual({ job: job.id, ranOn: 1 });
      const finished = await prismaOf(primary).auditEvent.count({
        where: { targetId: job.id, action: 'job.finished' },
      });
      expect({ job: job.id, finished }).toEqual({ job: job.id, finished: 1 });
    }

    // One listing per account: 3 Webshare pages of 100 and one ProxyHat call.
    const calls = sandbox.control.calls();
    expect(calls['webshare.list']).toBe(3);
    expect(calls['proxyhat.list']).toBe(1);
    const prisma = prismaOf(primary);
    expect(
      await prisma.subUserMapping.count({
        where: { providerAccountId: accounts.webshare, lifecycle: 'active' },
      }),
    ).toBe(250);
    expect(await prisma.auditEvent.count({ where: { action: 'sub-user.adopted' } })).toBe(250 + 5 + 1);
  });

  it('runs a sync whose owner died (lease expired) again, once', async () => {
    const prisma = prismaOf(primary);
    const id = randomUUID();
    sandbox.control.seed({ provider: 'webshare', count: 1, labelPrefix: 'orphan-ws-' });
    await prisma.job.create({
      data: {
        id,
        type: 'sync',
        status: 'running',
        input: {
          providerAccountId: accounts.webshare,
          dedupeKey: `sync:${accounts.webshare}`,
          reason: 'api',
        },
        leaseOwner: 'a-replica-that-crashed',
        leaseExpiresAt: new Date(Date.now() - 1000),
        attempts: 1,
        startedAt: new Date(Date.now() - 60_000),
      },
    });
    for (const replica of replicas) replica.app.get(JobRunner).kick();
    const job = await waitForJob(primary.url, id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ranOn(id)).toHaveLength(1);
    expect((job.results as AccountResult[])[0]).toMatchObject({ ok: true, adopted: 1 });
  });

  it('resolves open create intents after a restart', async () => {
    const prisma = prismaOf(primary);
    const name = `restart-${randomUUID().slice(0, 6)}`;
    // A create whose answer never came (the provider did create it): its intent stays open.
    sandbox.control.addFault({ provider: 'webshare', operation: 'create', mode: 'timeout-after', times: 1 });
    await request(primary.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'webshare', name })
      .expect(504);
    const [intent] = await subUsersNamed(primary.url, name);
    expect(intent).toMatchObject({ status: 'provisioning', providerSubUserId: null });
    const intentId = intent.id;

    // A replica starting now finds the open intent and queues a sync for its account.
    replicas.push(await replicaOf({ SANDBOX: 'false' }));
    // Startup queues it without holding up the start: poll for it, with a deadline.
    const deadline = Date.now() + 10_000;
    let queued = null;
    while (!queued && Date.now() < deadline) {
      queued = await prisma.job.findFirst({
        where: { type: 'sync', input: { path: ['reason'], equals: 'startup' } },
      });
      if (!queued) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(queued).not.toBeNull();
    const job = await waitForJob(primary.url, queued!.id);
    expect(job.counts).toMatchObject({ matchedIntents: 1 });
    const [completed] = await subUsersNamed(primary.url, name);
    expect(completed).toMatchObject({
      id: intentId,
      status: 'active',
      providerSubUserId: expect.any(String),
    });
  });
});
