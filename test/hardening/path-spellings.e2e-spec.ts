import request from 'supertest';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';

/**
 * The scope of an Idempotency-Key is the resource however its path is spelled (finding 4). A UUID
 * in upper case names the same row (PostgreSQL compares uuids, not text), so it must share the
 * key: found by the path-spelling property (test/properties/idempotency-paths).
 */
describe('hardening: one resource, one idempotency scope, whatever the spelling of its id', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('hardening #4: a password rotation retried with the id in upper case replays the first, never rotates again', async () => {
    const { control } = sandboxOf(gateway);
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'proxyhat', name: 'upper-case-id' })
      .expect(201);
    const id = created.body.id as string;
    const before = control.calls()['proxyhat.update'] ?? 0;
    const spellings = [id, id.toUpperCase(), id.replace(/-/g, '%2D').toUpperCase()];
    const answers = [];
    for (const spelling of spellings) {
      answers.push(
        await request(gateway.url)
          .post(`/v1/sub-users/${spelling}/rotate-password`)
          .set(admin)
          .set('Idempotency-Key', 'rotate-once'),
      );
    }
    expect(answers.map((answer) => [answer.status, answer.headers['idempotent-replayed']])).toEqual([
      [200, undefined],
      [200, 'true'],
      [200, 'true'],
    ]);
    expect(new Set(answers.map((answer) => answer.body.password)).size).toBe(1);
    expect((control.calls()['proxyhat.update'] ?? 0) - before).toBe(1);
  });
});
