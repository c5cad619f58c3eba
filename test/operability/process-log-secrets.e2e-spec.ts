import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import request from 'supertest';
import { TEST_ADMIN_KEY, TEST_ENCRYPTION_KEYS } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { admin, bearer } from '../access/access-helpers';

/** Provider keys only this file uses, so finding one in the log is a leak, not a coincidence. */
const WS_KEYS = ['ws-logsecret-K1l2M3n4O5p6Q7r8', 'ws-logsecret-S9t8U7v6W5x4Y3z2'];
const PH_KEYS = ['ph-logsecret-A1s2D3f4G5h6J7k8'];
const ALL_PROVIDER_KEYS = [...WS_KEYS, ...PH_KEYS];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('security: secrets never reach the log (the gateway as a process, debug JSON logs)', () => {
  let child: ChildProcess | undefined;
  let database: TestDatabase;
  let output = '';

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
  });

  it('hardening #10: logs no provider key, API key, admin key, proxy password or secret query value, at debug level', async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    delete env.DATABASE_URL;
    child = spawn(process.execPath, ['scripts/start-demo.js'], {
      cwd: resolve(__dirname, '../..'),
      env: {
        ...env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
        ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        DEMO_FROM_SOURCE: '1',
        SANDBOX_PORT: '0',
        SANDBOX_RATE_LIMITS: 'off',
        SANDBOX_WEBSHARE_KEYS: WS_KEYS.join(','),
        SANDBOX_PROXYHAT_KEYS: PH_KEYS.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`gateway did not start:\n${output}`);
      await new Promise((done) => setTimeout(done, 200));
    }

    const secrets: string[] = [...ALL_PROVIDER_KEYS, TEST_ADMIN_KEY];
    const key = (
      await request(url)
        .post('/v1/api-keys')
        .set(admin)
        .send({ name: 'log-key', scopes: ['sub-users:read', 'sub-users:write', 'sub-users:credentials'] })
        .expect(201)
    ).body;
    secrets.push(key.key);
    const created = (
      await request(url)
        .post('/v1/sub-users')
        .set(bearer(key.key))
        .send({ provider: 'proxyhat', name: 'log-ph', proxyPassword: 'Log-Secret-Pass-123' })
        .expect(201)
    ).body;
    secrets.push('Log-Secret-Pass-123');
    const rotated = (
      await request(url).post(`/v1/sub-users/${created.id}/rotate-password`).set(bearer(key.key)).expect(200)
    ).body;
    secrets.push(rotated.password);
    const credentials = (
      await request(url).get(`/v1/sub-users/${created.id}/credentials`).set(bearer(key.key)).expect(200)
    ).body;
    expect(credentials.password).toBe(rotated.password);
    await request(url)
      .post('/v1/sub-users')
      .set(bearer(key.key))
      .send({ provider: 'webshare', name: 'log-ws' })
      .expect(201);
    const accounts = (await request(url).get('/v1/provider-accounts').set(admin).expect(200)).body.items as {
      name: string;
      baseUrl?: string;
    }[];
    // One account per sandbox provider: Webshare, ProxyHat, IPRoyal.
    expect(accounts.length).toBe(3);
    // The provider refuses a key (the error path logs too), and a wrong admin key is tried.
    const wsAccount = accounts.find((item) => item.name === 'webshare-sandbox') as { baseUrl: string };
    await request(url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({
        provider: 'webshare',
        name: 'log-bad',
        apiKey: `${WS_KEYS[1]}-refused`,
        baseUrl: wsAccount.baseUrl,
      })
      .expect(502);
    secrets.push(`${WS_KEYS[1]}-refused`);
    await request(url)
      .post('/v1/provider-accounts')
      .set(admin)
      .send({ provider: 'webshare', name: 'log-second', apiKey: WS_KEYS[1], baseUrl: wsAccount.baseUrl })
      .expect(201);
    await request(url).get('/v1/sub-users').set('Authorization', `Bearer ${TEST_ADMIN_KEY}x`).expect(401);
    // Keys sent by mistake in the query string (answered 422: no such parameter).
    for (const [name, value] of [
      ['api_key', 'sgw_query_leak_0001'],
      ['access_token', 'sgw_query_leak_0002'],
      ['password', 'query-leak-password-0003'],
    ]) {
      await request(url).get(`/v1/sub-users?${name}=${value}`).set(bearer(key.key)).expect(422);
      secrets.push(value);
    }
    await request(url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
    await request(url).get('/v1/sub-users').set(bearer(key.key)).expect(401);

    // Stop the process and wait until its output streams have closed: every line it ever wrote
    // is then in `output` (a fixed sleep could miss a late one).
    const closed = new Promise((done) => child!.once('close', done));
    child.kill('SIGTERM');
    await closed;
    const lines = output.split('\n').filter((line) => line.trim().startsWith('{'));
    // JSON request lines at debug level were written (the log was really captured).
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((line) => line.includes('/v1/sub-users'))).toBe(true);
    for (const secret of secrets)
      expect({ secret, inLog: output.includes(secret) }).toEqual({ secret, inLog: false });
    expect(output).toContain('/v1/sub-users?api_key=[redacted]');
  });
});
