import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import request from 'supertest';
import { RunningGateway, startTestGateway } from '../support/gateway';
import { LOCAL_POSTGRES_URL, TestDatabase, createTestDatabase } from '../support/test-database';
import { admin } from '../access/access-helpers';

/**
 * A TCP relay on loopback between the gateway and the local PostgreSQL. Stopping it cuts every
 * connection and leaves nothing listening on its port: the database "goes away" for this gateway
 * only, while the server itself keeps running for everyone else.
 */
class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    if (this.server?.listening) return;
    const target = new URL(LOCAL_POSTGRES_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

describe('a database that cannot be reached (PostgreSQL through a relay)', () => {
  const relay = new Relay();
  let database: TestDatabase;
  let gateway: RunningGateway;

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    await relay.start();
    const url = new URL(database.url);
    url.host = `127.0.0.1:${relay.port}`;
    gateway = await startTestGateway({ DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: '2' });
  });
  afterAll(async () => {
    // Back up (if a failed assertion left it down), so the gateway can close its pool cleanly.
    await relay.start();
    await gateway?.app.close();
    await relay.stop();
    await database?.drop();
  });

  it('hardening #9: answers 503 DATABASE_UNAVAILABLE with Retry-After while it is gone, and serves again when it is back', async () => {
    await request(gateway.url).get('/v1/tenants').set(admin).expect(200);
    await relay.stop();

    // Authenticated reads and writes (the key may still be cached), and a key never seen (looked up).
    for (const call of [
      () => request(gateway.url).get('/v1/tenants').set(admin),
      () => request(gateway.url).post('/v1/tenants').set(admin).send({ name: 'while-down' }),
      () =>
        request(gateway.url).get('/v1/tenants').set('authorization', 'Bearer sgw_never_seen_key_0000000000'),
    ]) {
      const response = await call();
      expect({
        status: response.status,
        retryAfter: response.headers['retry-after'],
        contentType: response.headers['content-type'],
        code: response.body.code,
      }).toEqual({
        status: 503,
        retryAfter: '5',
        contentType: 'application/problem+json; charset=utf-8',
        code: 'DATABASE_UNAVAILABLE',
      });
      expect(response.body).toMatchObject({ status: 503, source: 'gateway', title: 'Database unavailable' });
      expect(JSON.stringify(response.body)).not.toContain(String(relay.port));
    }
    const ready = await request(gateway.url).get('/health/ready').expect(503);
    expect(ready.body).toEqual({ status: 'error', database: 'down', providers: 'up' });

    await relay.start();
    // The pool reconnects by itself; poll until it has.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await request(gateway.url).get('/v1/tenants').set(admin)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
