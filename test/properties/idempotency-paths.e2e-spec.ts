import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { assertProperty, propertyRuns, propertyTimeout } from '../support/properties';

/**
 * An Idempotency-Key's scope is the tenant, the method and the resource, however the path is
 * spelled (hardening #4): percent-encoded letters and dashes (`%73`, `%2D`, `%2d`), an id in upper
 * case or with encoded dashes, a trailing slash, a doubled slash. The same key and body sent
 * through any mix of spellings does the work once — one provider call, one row — and every other
 * spelling the router accepts replays that first answer; a spelling it does not route is a 404
 * that did nothing. Another body under the same key, through yet another spelling, is 409.
 */
describe('property: one Idempotency-Key, any spelling of the path, one effect', () => {
  let gateway: RunningGateway;
  let subUserId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, RATE_LIMIT_PER_MINUTE: '10000000' });
    const created = await request(gateway.url)
      .post('/v1/sub-users')
      .set(admin)
      .send({ provider: 'proxyhat', name: 'idempotency-paths-target' })
      .expect(201);
    subUserId = created.body.id;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  /** One character of a literal path part: as it is, or percent-encoded in either hex case. */
  const literal = (character: string): fc.Arbitrary<string> => {
    const hex = character.charCodeAt(0).toString(16).padStart(2, '0');
    return character === '/'
      ? fc.constantFrom('/', '/', '/', '//')
      : fc.constantFrom(character, character, `%${hex.toUpperCase()}`, `%${hex.toLowerCase()}`);
  };

  /** A spelling of `template` ({id} stands for the id, spelled in any case, dashes maybe encoded). */
  function spelling(template: string, id: string): fc.Arbitrary<string> {
    const parts = template.split(/(\{id\})/).filter((part) => part.length > 0);
    const spelled = parts.map((part) =>
      part === '{id}'
        ? fc
            .tuple(fc.boolean(), fc.constantFrom('-', '%2D', '%2d'))
            .map(([upper, dash]) => (upper ? id.toUpperCase() : id).replace(/-/g, dash))
        : fc.tuple(...[...part].map(literal)).map((characters) => characters.join('')),
    );
    return fc
      .tuple(fc.tuple(...spelled), fc.boolean())
      .map(([pieces, trailing]) => `${pieces.join('')}${trailing ? '/' : ''}`);
  }

  interface Route {
    name: string;
    template: string;
    /** The provider operation it calls once, or null (no provider call). */
    operation: string | null;
    body: () => Record<string, unknown> | undefined;
    /** A different body for the conflict check (undefined: the route takes none). */
    otherBody?: () => Record<string, unknown>;
    /** Rows the route creates, to count after the spellings. */
    rows: (body: Record<string, unknown> | undefined) => Promise<number>;
  }

  const routes: Route[] = [
    {
      name: 'create a sub-user',
      template: '/v1/sub-users',
      operation: 'proxyhat.create',
      body: () => ({ provider: 'proxyhat', name: `paths-${randomUUID().slice(0, 8)}` }),
      otherBody: () => ({ provider: 'proxyhat', name: `other-${randomUUID().slice(0, 8)}` }),
      rows: async (body) => prismaOf(gateway).subUserMapping.count({ where: { name: String(body?.name) } }),
    },
    {
      name: 'create a tenant',
      template: '/v1/tenants',
      operation: null,
      body: () => ({ name: `paths-${randomUUID().slice(0, 8)}` }),
      otherBody: () => ({ name: `other-${randomUUID().slice(0, 8)}` }),
      rows: async (body) => prismaOf(gateway).tenant.count({ where: { name: String(body?.name) } }),
    },
    {
      name: 'rotate a password',
      template: '/v1/sub-users/{id}/rotate-password',
      operation: 'proxyhat.update',
      body: () => undefined,
      rows: async () =>
        prismaOf(gateway).auditEvent.count({
          where: { targetId: subUserId, action: 'sub-user.password-rotated' },
        }),
    },
  ];

  it.each(routes.map((route) => [route.name, route] as const))(
    '%s: every spelling shares the key; the work is done once',
    async (_name, route) => {
      const { control } = sandboxOf(gateway);
      await assertProperty(
        fc.asyncProperty(
          fc.array(spelling(route.template, subUserId), { minLength: 2, maxLength: 6 }),
          async (paths) => {
            const key = `paths-${randomUUID()}`;
            const body = route.body();
            const rowsBefore = await route.rows(body);
            const callsBefore = route.operation ? (control.calls()[route.operation] ?? 0) : 0;
            // The plain spelling first, so the work is certainly done once; then the others.
            const answers: { path: string; response: request.Response }[] = [];
            for (const path of [route.template.replace('{id}', subUserId), ...paths]) {
              const call = request(gateway.url).post(path).set(admin).set('Idempotency-Key', key);
              answers.push({ path, response: await (body === undefined ? call : call.send(body)) });
            }
            const [first, ...rest] = answers;
            expect({ path: first.path, status: first.response.status }).toEqual({
              path: first.path,
              status: route.template.includes('{id}') ? 200 : 201,
            });
            for (const { path, response } of rest) {
              if (response.status === 404 && response.body.code === 'NOT_FOUND') continue;
              expect({
                path,
                status: response.status,
                replayed: response.headers['idempotent-replayed'],
                body: response.body,
              }).toEqual({
                path,
                status: first.response.status,
                replayed: 'true',
                body: first.response.body,
              });
            }
            expect({ paths, rows: (await route.rows(body)) - rowsBefore }).toEqual({ paths, rows: 1 });
            if (route.operation) {
              expect({ paths, calls: (control.calls()[route.operation] ?? 0) - callsBefore }).toEqual({
                paths,
                calls: 1,
              });
            }
            if (route.otherBody) {
              const routed = rest.filter(({ response }) => response.status !== 404);
              const path = routed.length > 0 ? routed[routed.length - 1].path : first.path;
              const conflict = await request(gateway.url)
                .post(path)
                .set(admin)
                .set('Idempotency-Key', key)
                .send(route.otherBody());
              expect({ path, status: conflict.status, code: conflict.body.code }).toEqual({
                path,
                status: 409,
                code: 'IDEMPOTENCY_CONFLICT',
              });
            }
          },
        ),
        { numRuns: propertyRuns(0.4) },
      );
    },
    propertyTimeout(propertyRuns(0.4), 2000),
  );
});
