import { randomUUID } from 'node:crypto';
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { ApiKeysService } from '../../apps/gateway/src/access/api-keys.service';
import { RunningGateway, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';
import { LOCAL_POSTGRES_URL, TestDatabase, createTestDatabase } from '../support/test-database';
import { expectNoViolations, rawCall } from './contract-kit';
import { ContractRecorder, ContractValidator } from './openapi-validator';

/**
 * What every authenticated operation can answer whatever it does, as documented: 429
 * RATE_LIMITED past the key's limit (with Retry-After and RateLimit-*), and 503
 * DATABASE_UNAVAILABLE while the database is gone (with Retry-After). The gateway runs on the
 * local PostgreSQL through a TCP relay that the test stops; each operation gets API keys of its
 * own (made through ApiKeysService, so that making them spends no request of any key).
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

const LIMIT = 2;

describe('contract: 429 and 503 DATABASE_UNAVAILABLE on every authenticated operation', () => {
  const recorder = new ContractRecorder(new ContractValidator());
  const relay = new Relay();
  let database: TestDatabase;
  let gateway: RunningGateway;
  const secured = recorder.validator
    .operations()
    .map((operation) => operation.split(' ') as [string, string])
    // Operations that need a key: every security requirement names one (/health/ready takes one optionally).
    .filter(([method, path]) => {
      const security = (recorder.validator.operation(method, path)?.security ?? []) as object[];
      return security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0);
    });

  async function keyPerOperation(label: string): Promise<string[]> {
    const keys = gateway.app.get(ApiKeysService);
    const admin = (await keys.authenticate(TEST_ADMIN_KEY))!;
    const made: string[] = [];
    for (const [index] of secured.entries()) {
      const created = await keys.create(
        admin,
        { name: `${label}-${index}`, scopes: ['admin'] },
        `contract-${label}`,
      );
      made.push(created.key);
    }
    return made;
  }

  function call(method: string, path: string, key: string) {
    const concrete = path.replace(/\{[^}]+\}/g, () => randomUUID());
    const hasBody = !!recorder.validator.operation(method, path)?.requestBody;
    return rawCall(gateway, recorder, method, concrete, {
      headers: {
        authorization: `Bearer ${key}`,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      ...(hasBody ? { body: '{}' } : {}),
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    await relay.start();
    const url = new URL(database.url);
    url.host = `127.0.0.1:${relay.port}`;
    gateway = await startTestGateway({
      DATABASE_URL: url.toString(),
      DATABASE_POOL_SIZE: '2',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
    });
  });
  afterAll(async () => {
    await relay.start();
    await gateway?.app.close();
    await relay.stop();
    await database?.drop();
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit of the key, on each of them', async () => {
    expect(secured.length).toBeGreaterThan(30);
    const keys = await keyPerOperation('limited');
    const limited: string[] = [];
    for (const [index, [method, path]] of secured.entries()) {
      // The limit's window is a clock minute: a window that ends between two calls starts again.
      for (let attempt = 0; attempt < 3 * LIMIT; attempt += 1) {
        const answer = await call(method, path, keys[index]);
        if (answer.status !== 429) continue;
        expect([answer.json.code, Number(answer.headers['retry-after']) > 0]).toEqual(['RATE_LIMITED', true]);
        limited.push(`${method} ${path}`);
        break;
      }
    }
    expect(limited).toEqual(secured.map(([method, path]) => `${method} ${path}`));
    expectNoViolations(recorder);
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while the database is gone, on each of them', async () => {
    const keys = await keyPerOperation('unavailable');
    await relay.stop();
    const answers: string[] = [];
    for (const [index, [method, path]] of secured.entries()) {
      const answer = await call(method, path, keys[index]);
      answers.push(
        `${method} ${path} ${answer.status} ${answer.json?.code} ${answer.headers['retry-after']}`,
      );
    }
    const live = await rawCall(gateway, recorder, 'GET', '/health/live');
    const ready = await rawCall(gateway, recorder, 'GET', '/health/ready');
    await relay.start();
    expect(answers).toEqual(secured.map(([method, path]) => `${method} ${path} 503 DATABASE_UNAVAILABLE 5`));
    expect([live.status, ready.status, ready.json]).toEqual([
      200,
      503,
      { status: 'error', database: 'down', providers: 'up' },
    ]);
    expectNoViolations(recorder);
  });
});
