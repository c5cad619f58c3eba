import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import request from 'supertest';
import { Clock } from '../../apps/gateway/src/common/clock';
import { RunningGateway, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';
import {
  TestDatabase,
  createTestDatabase,
  migratedEmbeddedFolderUrl,
  usingPostgres,
} from '../support/test-database';
import { bearer, createKey, prismaOf } from './access-helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, failing after 10 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not true after 10 s`);
    await sleep(20);
  }
}

/** Pins a gateway's clock (key-cache expiry) to `at`; returns a way to move it. */
function freezeClock(gateway: RunningGateway, at: number): { set(next: number): void } {
  const spy = jest.spyOn(gateway.app.get(Clock), 'now').mockReturnValue(at);
  return { set: (next) => spy.mockReturnValue(next) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the configured admin key across restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sgw-rotation-'));
  const gateways: RunningGateway[] = [];

  afterAll(async () => {
    // Each app is closed by the test; drop every database (close() would stop at the closed app).
    for (const gateway of gateways) {
      await gateway.app.close().catch(() => undefined);
      await gateway.database.drop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps one bootstrap key, revokes the previous one when GATEWAY_ADMIN_KEY changes, and brings a key back on a rollback but never one an operator revoked', async () => {
    const first = await startTestGateway(
      usingPostgres() ? {} : { DATABASE_URL: migratedEmbeddedFolderUrl(dataDir) },
    );
    gateways.push(first);
    const databaseUrl = usingPostgres() ? first.database.url : `pglite:${dataDir}`;
    await request(first.url).get('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).expect(200);
    await first.app.close();

    // Same key again: nothing new is created.
    const same = await startTestGateway({ DATABASE_URL: databaseUrl });
    gateways.push(same);
    expect(await prismaOf(same).apiKey.count({ where: { name: 'bootstrap-admin' } })).toBe(1);
    await same.app.close();

    const newKey = 'sgw_rotated_admin_key_abcdefghijklmnop';
    const rotated = await startTestGateway({ DATABASE_URL: databaseUrl, GATEWAY_ADMIN_KEY: newKey });
    gateways.push(rotated);
    await request(rotated.url).get('/v1/tenants').set(bearer(newKey)).expect(200);
    await request(rotated.url).get('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).expect(401);
    const keys = await prismaOf(rotated).apiKey.findMany({ where: { name: 'bootstrap-admin' } });
    expect(keys).toHaveLength(2);
    expect(keys.filter((key) => key.revokedAt === null)).toHaveLength(1);
    const events = await prismaOf(rotated).auditEvent.findMany({ where: { action: 'api-key.revoked' } });
    expect(events).toHaveLength(1);

    // The operator revokes the configured key (it leaked): it stays revoked when a replica starts
    // with the same environment, until the variable holds a new key.
    const current = keys.find((key) => key.revokedAt === null)!;
    await request(rotated.url).delete(`/v1/api-keys/${current.id}`).set(bearer(newKey)).expect(200);
    await rotated.app.close();
    const restarted = await startTestGateway({ DATABASE_URL: databaseUrl, GATEWAY_ADMIN_KEY: newKey });
    gateways.push(restarted);
    await request(restarted.url).get('/v1/tenants').set(bearer(newKey)).expect(401);
    expect(
      await prismaOf(restarted).apiKey.count({ where: { name: 'bootstrap-admin', revokedAt: null } }),
    ).toBe(0);
    await restarted.app.close();

    // A rollback to the first value: that key was revoked by the rotation, not by an operator, so
    // it comes back (audited); the key the operator revoked stays revoked.
    const rolledBack = await startTestGateway({ DATABASE_URL: databaseUrl });
    gateways.push(rolledBack);
    await request(rolledBack.url).get('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).expect(200);
    await request(rolledBack.url).get('/v1/tenants').set(bearer(newKey)).expect(401);
    expect(await prismaOf(rolledBack).auditEvent.count({ where: { action: 'api-key.reinstated' } })).toBe(1);
    await rolledBack.app.close();
  });
});

// Two replicas need one shared database: always the local PostgreSQL, whatever this run's default.
describe('revocation across replicas (PostgreSQL)', () => {
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    redisUrl = `redis://127.0.0.1:${port}`;
    const probe = new IORedis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    await eventually('redis-server answers PING', async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      }
    });
    probe.disconnect();
  });
  afterAll(async () => {
    for (const gateway of gateways.reverse()) await gateway.close().catch(() => undefined);
    for (const database of shared) await database.drop();
    redis?.kill();
    jest.restoreAllMocks();
  });

  const shared: TestDatabase[] = [];

  async function pair(env: Record<string, string>): Promise<[RunningGateway, RunningGateway]> {
    const database = await createTestDatabase({ postgres: true });
    shared.push(database);
    const a = await startTestGateway({ ...env, DATABASE_URL: database.url });
    gateways.push(a);
    const b = await startTestGateway({ ...env, DATABASE_URL: database.url });
    gateways.push(b);
    return [a, b];
  }

  it('without Redis, another replica stops a revoked key within a second', async () => {
    const [a, b] = await pair({});
    const key = await createKey(a, { name: 'replicated', scopes: ['sub-users:read'] });
    const now = Date.now();
    const bClock = freezeClock(b, now);
    await request(b.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
    await request(a.url).delete(`/v1/api-keys/${key.id}`).set(bearer(TEST_ADMIN_KEY)).expect(200);
    // b still trusts its cached answer until a second has passed on its clock, then asks again.
    bClock.set(now + 999);
    await request(b.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
    bClock.set(now + 1000);
    await request(b.url).get('/v1/audit-events').set(bearer(key.key)).expect(401);
  });

  it('with Redis, another replica stops a revoked key at once', async () => {
    const [a, b] = await pair({ REDIS_URL: redisUrl });
    const key = await createKey(a, { name: 'broadcast', scopes: ['sub-users:read'] });
    // b's clock stands still, so its cached answer never expires: only the broadcast can stop it.
    freezeClock(b, Date.now());
    await request(b.url).get('/v1/audit-events').set(bearer(key.key)).expect(200);
    await request(a.url).delete(`/v1/api-keys/${key.id}`).set(bearer(TEST_ADMIN_KEY)).expect(200);
    await eventually('b refuses the revoked key', async () => {
      const response = await request(b.url).get('/v1/audit-events').set(bearer(key.key));
      return response.status === 401;
    });
  });
});
