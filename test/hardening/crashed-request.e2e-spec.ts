import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { TEST_ADMIN_KEY } from '../support/gateway';
import { startReadyGatewayProcess } from '../support/gateway-process';
import { GatewayProcess, freePort } from '../support/process';
import {
  TestDatabase,
  createTestDatabase,
  migratedEmbeddedFolderUrl,
  usingPostgres,
} from '../support/test-database';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

/**
 * A gateway killed (SIGKILL) while a create waits for the provider leaves its Idempotency-Key
 * claimed by a process that no longer exists. The retry must run within seconds (the claim's lease
 * is renewed only while its process lives), and must not create a second sub-user. On the run's
 * database: PostgreSQL, or an embedded database in a folder the two processes open in turn.
 */
describe('hardening #9: a request that died with its process', () => {
  let database: TestDatabase;
  let folder: string | null = null;
  let sandbox: RunningSandbox;
  let gateway: GatewayProcess | undefined;
  let port: number;
  let databaseUrl: string;

  const start = (): Promise<GatewayProcess> =>
    startReadyGatewayProcess({ port, databaseUrl: databaseUrl, sandboxUrl: sandbox.url });

  beforeAll(async () => {
    database = await createTestDatabase();
    if (usingPostgres()) databaseUrl = database.url;
    else {
      folder = mkdtempSync(join(tmpdir(), 'sgw-crash-'));
      databaseUrl = migratedEmbeddedFolderUrl(folder);
    }
    sandbox = await startSandbox({ port: 0, rateLimits: false });
    port = await freePort();
  });
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    if (gateway) await gateway.exited;
    await sandbox?.close();
    await database?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('hardening #9: the create’s Idempotency-Key is retryable within seconds after a SIGKILL, and it creates once', async () => {
    gateway = await start();
    const url = `http://127.0.0.1:${port}`;
    const key = randomUUID();
    const name = `killed-${key.slice(0, 8)}`;
    const body = { provider: 'webshare', name };
    const creates = () => sandbox.control.calls()['webshare.create'] ?? 0;
    const before = creates();

    // The provider holds the create while the gateway dies.
    sandbox.control.configure({ latencyMs: 2_000 });
    const inFlight = request(url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send(body)
      .then(
        () => 'answered',
        () => 'connection lost',
      );
    const deadline = Date.now() + 30_000;
    while (creates() === before && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    expect(creates()).toBe(before + 1);
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    expect(await inFlight).toBe('connection lost');
    sandbox.control.configure({ latencyMs: 0 });
    // The provider finishes what it was asked (the answer just has nobody to go to).
    const landedBy = Date.now() + 30_000;
    while (!sandbox.control.state('webshare').some((entry) => entry.label === name) && Date.now() < landedBy)
      await new Promise((done) => setTimeout(done, 50));

    // A new process: the dead claim's lease runs out within seconds (it was 10 minutes), then the
    // retry finds what the first attempt did instead of creating again.
    gateway = await start();
    const retryBy = Date.now() + 30_000;
    let retry: request.Response;
    const inProgress: string[] = [];
    for (;;) {
      retry = await request(url).post('/v1/sub-users').set(admin).set('Idempotency-Key', key).send(body);
      if (retry.status !== 409 || Date.now() > retryBy) break;
      inProgress.push(retry.body.code);
      await new Promise((done) => setTimeout(done, 250));
    }
    expect(new Set(inProgress)).toEqual(new Set(inProgress.length ? ['IDEMPOTENCY_IN_PROGRESS'] : []));
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ name, status: 'active' });

    // One sub-user at the provider (the first call's, adopted by the retry), one record.
    const held = sandbox.control.state('webshare').filter((entry) => entry.label === name);
    expect(held.map((entry) => String(entry.id))).toEqual([retry.body.providerSubUserId]);
    expect(creates()).toBe(before + 1);
    const listed = await request(url).get('/v1/sub-users').query({ q: name }).set(admin).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([retry.body.id]);
    // And the key now replays that answer.
    const replay = await request(url)
      .post('/v1/sub-users')
      .set(admin)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(retry.body.id);
  });
});
