import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { TEST_ADMIN_KEY } from '../support/gateway';
import { startReadyGatewayProcess } from '../support/gateway-process';
import { GatewayProcess, freePort } from '../support/process';
import { TestDatabase, createTestDatabase } from '../support/test-database';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const ITEMS = 300;

/**
 * A bulk create of 300 across two providers whose gateway is killed (SIGKILL) halfway and started
 * again: the job is taken over when its lease runs out and ends with exactly 300 sub-users at the
 * providers and 300 records, nothing created twice. Two processes on one PostgreSQL database.
 */
describe('bulk create survives a crash halfway', () => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let gateway: GatewayProcess | undefined;
  let port: number;

  const start = (): Promise<GatewayProcess> =>
    startReadyGatewayProcess({ port, databaseUrl: database.url, sandboxUrl: sandbox.url });

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    sandbox = await startSandbox({ port: 0, rateLimits: false, latencyMs: 40 });
    port = await freePort();
  });
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    if (gateway) await gateway.exited;
    await sandbox?.close();
    await database?.drop();
  });

  it('ends with exactly 300 sub-users and 300 records after a SIGKILL halfway', async () => {
    gateway = await start();
    const url = `http://127.0.0.1:${port}`;
    const prefix = `crash-${randomUUID().slice(0, 6)}`;
    const items = Array.from({ length: ITEMS }, (_, index) => ({
      provider: index % 2 === 0 ? 'webshare' : 'proxyhat',
      name: `${prefix}-${index}`,
    }));
    const accepted = await request(url)
      .post('/v1/sub-users/bulk-create')
      .set(admin)
      .send({ items })
      .expect(202);
    const creates = () => {
      const calls = sandbox.control.calls();
      return (calls['webshare.create'] ?? 0) + (calls['proxyhat.create'] ?? 0);
    };
    const deadline = Date.now() + 60_000;
    while (creates() < ITEMS / 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(creates()).toBeGreaterThanOrEqual(ITEMS / 3);
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    const createdBeforeTheCrash = creates();
    expect(createdBeforeTheCrash).toBeLessThan(ITEMS);

    // A new process takes the job over once the dead one's lease has run out.
    gateway = await start();
    const finishBy = Date.now() + 150_000;
    let job: { status: string; counts: Record<string, number> } = { status: 'queued', counts: {} };
    while (!['succeeded', 'failed'].includes(job.status) && Date.now() < finishBy) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = (await request(url).get(`/v1/jobs/${accepted.body.id}`).set(admin).expect(200)).body;
    }
    expect(job).toMatchObject({
      status: 'succeeded',
      counts: { requested: ITEMS, created: ITEMS, failed: 0 },
    });

    const held = {
      webshare: sandbox.control.state('webshare').filter((entry) => entry.label.startsWith(`${prefix}-`))
        .length,
      proxyhat: sandbox.control.state('proxyhat').filter((entry) => entry.name?.startsWith(`${prefix}-`))
        .length,
    };
    expect(held).toEqual({ webshare: ITEMS / 2, proxyhat: ITEMS / 2 });
    const names = new Set(
      [
        ...sandbox.control.state('webshare').map((entry) => entry.label),
        ...sandbox.control.state('proxyhat').map((entry) => entry.name ?? ''),
      ].filter((name) => name.startsWith(`${prefix}-`)),
    );
    expect(names.size).toBe(ITEMS);
    const records = await request(url)
      .get('/v1/sub-users')
      .query({ q: prefix, limit: 500 })
      .set(admin)
      .expect(200);
    expect(records.body.items).toHaveLength(ITEMS);
    expect(new Set(records.body.items.map((item: { status: string }) => item.status))).toEqual(
      new Set(['active']),
    );
  });
});
