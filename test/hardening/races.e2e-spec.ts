import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';

/**
 * Identical requests at the same moment through two gateway instances on one PostgreSQL database
 * (the embedded database runs one query at a time and would hide these races): exactly one wins.
 */
describe('hardening: races on PostgreSQL, two instances', () => {
  let database: TestDatabase;
  let primary: RunningGateway;
  let replica: RunningGateway;

  beforeAll(async () => {
    database = await createTestDatabase({ postgres: true });
    primary = await startTestGateway({ ...SANDBOX_ENV, DATABASE_URL: database.url });
    replica = await startTestGateway({
      DATABASE_URL: database.url,
      SANDBOX: 'false',
      UPSTREAM_RATE_LIMIT: 'false',
    });
  });
  afterAll(async () => {
    await replica?.close();
    await primary?.close();
    await database?.drop();
  });
  afterEach(() => sandboxOf(primary).control.configure({ latencyMs: 0 }));

  it('hardening #4: one Idempotency-Key through encoded and slashed spellings of the path creates once', async () => {
    const { control } = sandboxOf(primary);
    control.configure({ latencyMs: 300 });
    const paths = ['/v1/sub-users', '/v1/%73ub-users', '/v1/sub-users/', '/v1/sub%2Dusers'];
    for (let round = 0; round < 4; round += 1) {
      const key = `path-${randomUUID()}`;
      const body = { provider: 'proxyhat', name: `path-variant-${round}-${key.slice(5, 13)}` };
      const before = control.calls()['proxyhat.create'] ?? 0;
      const answers = await Promise.all(
        paths.map((path, index) =>
          request((index % 2 === 0 ? primary : replica).url)
            .post(path)
            .set(admin)
            .set('Idempotency-Key', key)
            .send(body),
        ),
      );
      const routed = answers.filter((answer) => answer.status !== 404);
      const firsts = routed.filter(
        (answer) => answer.status === 201 && answer.headers['idempotent-replayed'] !== 'true',
      );
      expect({ round, firsts: firsts.length }).toEqual({ round, firsts: 1 });
      for (const answer of routed.filter((item) => item !== firsts[0])) {
        expect({ round, answer: answer.status === 201 ? 'replay' : answer.body.code }).toEqual({
          round,
          answer: answer.status === 201 ? 'replay' : 'IDEMPOTENCY_IN_PROGRESS',
        });
      }
      expect((control.calls()['proxyhat.create'] ?? 0) - before).toBe(1);
      expect(await prismaOf(primary).subUserMapping.count({ where: { name: body.name } })).toBe(1);
    }
  });

  it.each(['webshare', 'proxyhat'] as const)(
    'hardening #5: %s — six PATCHes with one If-Match: one 200, five 412, the version moves once',
    async (provider) => {
      const { control } = sandboxOf(primary);
      const created = await request(primary.url)
        .post('/v1/sub-users')
        .set(admin)
        .send({ provider, name: `etag-${randomUUID().slice(0, 8)}` })
        .expect(201);
      const etag = created.headers.etag as string;
      control.configure({ latencyMs: 150 });
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          request((index % 2 === 0 ? primary : replica).url)
            .patch(`/v1/sub-users/${created.body.id}`)
            .set(admin)
            .set('If-Match', etag)
            .send({ name: `${created.body.name}-${index}` }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412, 412, 412, 412, 412]);
      for (const answer of answers.filter((item) => item.status === 412))
        expect(answer.body.code).toBe('PRECONDITION_FAILED');
      const winner = answers.find((answer) => answer.status === 200)!;
      const row = await prismaOf(primary).subUserMapping.findUniqueOrThrow({
        where: { id: created.body.id },
      });
      expect({ version: row.version, name: row.name }).toEqual({
        version: Number(etag.replace(/\D/g, '')) + 1,
        name: winner.body.name,
      });
      const updated = await prismaOf(primary).auditEvent.findMany({
        where: { targetId: created.body.id, action: 'sub-user.updated', outcome: 'ok' },
      });
      expect(updated).toHaveLength(1);
    },
  );
});
