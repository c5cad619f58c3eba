import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { assertProperty, propertyRuns, propertyTimeout } from '../support/properties';
import { COMBINING, UNSTORABLE, percentEncode, storable } from './hostile-text';

type Provider = 'webshare' | 'proxyhat' | 'iproyal';

/**
 * Valid but hostile: bodies that pass every schema rule — right types, lengths within limits — whose
 * strings are any code point (fast-check's `binary` unit: controls, noncharacters, private use,
 * astral planes), sometimes with NUL, lone surrogates or combining marks injected. Oracle:
 * - never a 5xx;
 * - a request the gateway refuses made no provider call (the sandbox's counts are unchanged) and
 *   the gateway refuses exactly the strings PostgreSQL cannot store (NUL, lone surrogates);
 * - every 2xx reads back the exact code units: what the gateway keeps (metadata, notes where the
 *   provider has none, tenant and key names) as sent, what the provider holds as the provider holds
 *   it (and that is what was sent, but for Webshare's documented trim of labels), through GET by
 *   id and through the list filters (`q`, `metadata[k]`).
 */
describe('property: valid but hostile strings are stored exactly or refused before any provider call', () => {
  let gateway: RunningGateway;
  const seen = { accepted: 0, refused: 0 };

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV, RATE_LIMIT_PER_MINUTE: '10000000' });
  });
  afterAll(async () => {
    await gateway?.close();
    console.log(`valid but hostile: ${seen.accepted} accepted, ${seen.refused} refused`);
  });

  /** Any code points (`maxLength` of them), sometimes with unstorable or combining units injected. */
  function hostile(maxLength: number): fc.Arbitrary<string> {
    const base = fc.string({ unit: 'binary', minLength: 1, maxLength });
    const injected = (units: string[]) =>
      fc.tuple(base, fc.constantFrom(...units), fc.nat()).map(([text, unit, at]) => {
        const points = [...text];
        const position = at % (points.length + 1);
        return [...points.slice(0, position), unit, ...points.slice(position)].join('');
      });
    return fc.oneof(
      { weight: 3, arbitrary: base },
      { weight: 1, arbitrary: injected(UNSTORABLE) },
      { weight: 1, arbitrary: injected(COMBINING) },
    );
  }

  /** A metadata value: any text, up to its 512-character limit (kept short here). */
  const metadataValue = hostile(40);
  /** Keys as the rules allow them, and names every JavaScript object has (refused, never dropped). */
  const metadataKey = fc.oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'valueOf',
        'constructor',
        'toString',
        'hasOwnProperty',
        '__proto__',
        'prototype',
      ),
    },
  );
  /** A name class-transformer or Nest would silently leave out of the DTO. */
  const memberName = (key: string) => key in Object.prototype || key === 'prototype';

  const calls = () => JSON.stringify(sandboxOf(gateway).control.calls());

  function expectProblem(response: request.Response, label: string): void {
    expect({ label, status: response.status < 500, type: response.headers['content-type'] }).toEqual({
      label,
      status: true,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
  }

  /**
   * Whether `held` is `sent` with nothing but whitespace taken from its ends, as providers strip
   * (Django and Laravel, each by its own idea of whitespace; the drivers send it stripped already).
   * All of it stripped is null for Laravel's notes. Nothing inside the text may change.
   */
  // eslint-disable-next-line no-control-regex -- U+001C–U+001F: whitespace to Python's strip()
  const EDGE = /^[\s\u0085\u001c-\u001f\u200b\u200e\ufeff]*$/;
  function strippedOf(sent: string, held: unknown): boolean {
    if (held === null || held === '') return EDGE.test(sent);
    if (typeof held !== 'string') return false;
    for (let start = 0; start <= sent.length - held.length; start += 1) {
      if (
        sent.startsWith(held, start) &&
        EDGE.test(sent.slice(0, start)) &&
        EDGE.test(sent.slice(start + held.length))
      ) {
        return true;
      }
    }
    return false;
  }

  /** What the provider holds for a sub-user the gateway created: [name, notes]. */
  function heldAt(provider: Provider, providerSubUserId: string): { name: unknown; notes: unknown } {
    const { control } = sandboxOf(gateway);
    if (provider === 'webshare') {
      const entry = control.state('webshare').find((item) => String(item.id) === providerSubUserId);
      return { name: entry?.label, notes: undefined };
    }
    if (provider === 'proxyhat') {
      const entry = control.state('proxyhat').find((item) => item.uuid === providerSubUserId);
      return { name: entry?.name, notes: entry?.notes };
    }
    return { name: undefined, notes: undefined };
  }

  /** Reads a sub-user back by id and through the list filters; everything must be `expected`. */
  async function readBack(
    id: string,
    expected: { name: string | null; notes: string | null | undefined; metadata: Record<string, string> },
  ): Promise<void> {
    const byId = await request(gateway.url).get(`/v1/sub-users/${id}`).set(admin).expect(200);
    expect({ id, name: byId.body.name, metadata: byId.body.metadata }).toEqual({
      id,
      name: expected.name,
      metadata: expected.metadata,
    });
    if (expected.notes !== undefined)
      expect({ id, notes: byId.body.notes }).toEqual({ id, notes: expected.notes });
    // The list filters find it with the same strings, sent byte for byte.
    const [key, value] = Object.entries(expected.metadata)[0];
    const filters = [`metadata%5B${percentEncode(key)}%5D=${percentEncode(value)}`];
    // q takes 1–100 characters; a name stripped to nothing (whitespace only) is not searched for.
    const name = expected.name ?? '';
    if ([...name].length >= 1 && [...name].length <= 100) filters.push(`q=${percentEncode(name)}`);
    for (const filter of filters) {
      const listed = await request(gateway.url)
        .get(`/v1/sub-users?${filter}&limit=500`)
        .set(admin)
        .expect(200);
      const found = listed.body.items.filter((item: { id: string }) => item.id === id);
      expect({ filter, found: found.map((item: { name: string }) => item.name) }).toEqual({
        filter,
        found: [expected.name],
      });
    }
  }

  it(
    'sub-users: create and change with any code point, every provider',
    async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom<Provider>('webshare', 'proxyhat', 'iproyal'),
          hostile(40),
          fc.option(hostile(100), { nil: undefined }),
          metadataKey,
          metadataValue,
          fc.record({ name: hostile(40), notes: hostile(100), value: metadataValue }),
          async (provider, rawName, notes, key, value, change) => {
            // Unique per run: the same name twice on one account is a different case (hardening #1).
            const name = `${rawName}${randomUUID().slice(0, 4)}`;
            const body = {
              provider,
              name,
              ...(notes === undefined ? {} : { notes }),
              metadata: { [key]: value },
            };
            const before = calls();
            const created = await request(gateway.url)
              .post('/v1/sub-users')
              .set(admin)
              .set('content-type', 'application/json')
              .send(JSON.stringify(body));
            const label = `create ${provider} ${JSON.stringify(body)}`;
            const valid = !memberName(key) && [name, notes ?? '', value].every(storable);
            if (!valid) {
              seen.refused += 1;
              expectProblem(created, label);
              // `__proto__` is refused by the JSON parser itself; everything else by validation.
              const malformed = key === '__proto__';
              expect({ label, status: created.status, code: created.body.code, calls: calls() }).toEqual({
                label,
                status: malformed ? 400 : 422,
                code: malformed ? 'MALFORMED_REQUEST' : 'VALIDATION_FAILED',
                calls: before,
              });
              return;
            }
            expect({
              label,
              status: created.status,
              body: created.status === 201 ? 'ok' : created.body,
            }).toEqual({
              label,
              status: 201,
              body: 'ok',
            });
            seen.accepted += 1;
            // What the provider holds is what was sent, but for whitespace stripped from the ends;
            // what the gateway keeps itself (IPRoyal names, Webshare and IPRoyal notes) is as sent.
            const held = heldAt(provider, created.body.providerSubUserId);
            const expectedName = provider === 'iproyal' ? name : (held.name as string);
            expect({ label, held: strippedOf(name, expectedName) }).toEqual({ label, held: true });
            const expectedNotes =
              provider === 'proxyhat' ? (held.notes as string | null) : notes === undefined ? null : notes;
            if (notes !== undefined) {
              expect({ label, notes: strippedOf(notes, expectedNotes) }).toEqual({ label, notes: true });
            }
            expect({
              label,
              name: created.body.name,
              notes: created.body.notes,
              metadata: created.body.metadata,
            }).toEqual({
              label,
              name: expectedName,
              notes: expectedNotes,
              metadata: { [key]: value },
            });
            await readBack(created.body.id, {
              name: expectedName,
              notes: expectedNotes,
              metadata: { [key]: value },
            });

            // A change with new hostile strings: refused before any call, or stored exactly.
            const patch = { name: change.name, notes: change.notes, metadata: { [key]: change.value } };
            const beforeChange = calls();
            const changed = await request(gateway.url)
              .patch(`/v1/sub-users/${created.body.id}`)
              .set(admin)
              .set('content-type', 'application/json')
              .send(JSON.stringify(patch));
            const changeLabel = `change ${provider} ${JSON.stringify(patch)}`;
            if (![change.name, change.notes, change.value].every(storable)) {
              expectProblem(changed, changeLabel);
              expect({ changeLabel, status: changed.status, calls: calls() }).toEqual({
                changeLabel,
                status: 422,
                calls: beforeChange,
              });
              await readBack(created.body.id, {
                name: expectedName,
                notes: expectedNotes,
                metadata: { [key]: value },
              });
              return;
            }
            expect({
              changeLabel,
              status: changed.status,
              body: changed.status === 200 ? 'ok' : changed.body,
            }).toEqual({
              changeLabel,
              status: 200,
              body: 'ok',
            });
            const heldNow = heldAt(provider, created.body.providerSubUserId);
            const changedName = provider === 'iproyal' ? change.name : (heldNow.name as string);
            const changedNotes = provider === 'proxyhat' ? (heldNow.notes as string | null) : change.notes;
            expect({
              changeLabel,
              name: strippedOf(change.name, changedName),
              notes: strippedOf(change.notes, changedNotes),
            }).toEqual({ changeLabel, name: true, notes: true });
            await readBack(created.body.id, {
              name: changedName,
              notes: changedNotes,
              metadata: { [key]: change.value },
            });
          },
        ),
        { numRuns: propertyRuns(1) },
      );
    },
    propertyTimeout(propertyRuns(1), 1000),
  );

  it(
    'tenants and API keys: names of any code point are stored exactly, or refused with nothing stored',
    async () => {
      const listed = async (path: string) =>
        (await request(gateway.url).get(`${path}?limit=500`).set(admin).expect(200)).body.items as {
          id: string;
          name: string;
        }[];
      await assertProperty(
        fc.asyncProperty(fc.constantFrom('/v1/tenants', '/v1/api-keys'), hostile(60), async (path, raw) => {
          const name = `${raw}${randomUUID().slice(0, 4)}`;
          const body = path === '/v1/tenants' ? { name } : { name, scopes: ['sub-users:read'] };
          const count = (await listed(path)).length;
          const answer = await request(gateway.url)
            .post(path)
            .set(admin)
            .set('content-type', 'application/json')
            .send(JSON.stringify(body));
          const label = `${path} ${JSON.stringify(name)}`;
          // Tenant names may not start or end with whitespace (a documented rule), whatever the text.
          const edgesTrimmed = path !== '/v1/tenants' || /^\S(.*\S)?$/.test(name);
          if (!storable(name) || !edgesTrimmed) {
            seen.refused += 1;
            expectProblem(answer, label);
            expect({ label, status: answer.status, code: answer.body.code }).toEqual({
              label,
              status: 422,
              code: 'VALIDATION_FAILED',
            });
            expect({ label, count: (await listed(path)).length }).toEqual({ label, count });
            return;
          }
          expect({ label, status: answer.status, name: answer.body.name }).toEqual({
            label,
            status: 201,
            name,
          });
          seen.accepted += 1;
          const stored = (await listed(path)).find((item) => item.id === answer.body.id);
          expect({ label, name: stored?.name }).toEqual({ label, name });
        }),
        { numRuns: propertyRuns(1) },
      );
    },
    propertyTimeout(propertyRuns(1), 500),
  );

  it('a metadata key every JavaScript object has is refused (422), never silently dropped', async () => {
    // Found by the property above: class-transformer skipped such keys, so a create answered 201
    // and stored `metadata: {}`; Nest's pipe deleted `constructor` and `prototype` the same way.
    for (const key of ['valueOf', 'toString', 'constructor', 'hasOwnProperty', 'prototype']) {
      const before = calls();
      const body = `{"provider":"proxyhat","name":"member-${key}","metadata":{"${key}":"v","plain":"p"}}`;
      const answer = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('content-type', 'application/json')
        .send(body);
      expect({
        key,
        status: answer.status,
        fields: answer.body.errors?.map((error: { field: string }) => error.field),
      }).toEqual({
        key,
        status: 422,
        fields: [`metadata.${key}`],
      });
      expect(calls()).toEqual(before);
    }
  });
});
