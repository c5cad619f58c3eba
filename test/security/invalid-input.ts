// Generators of input every documented operation must refuse (test/security/bad-input.e2e-spec.ts):
// invalid values for a schema's properties, bodies wrong in one property or with an unknown field,
// and bodies that are not a JSON object at all.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { hostileText } from '../properties/hostile-text';

/**
 * Printable graphemes, or any code point with NUL, lone surrogates or combining marks mixed in
 * (test/properties/hostile-text.ts): whatever the text, an invalid body is still refused.
 */
export const text = (max: number) =>
  fc.oneof(fc.string({ unit: 'grapheme', maxLength: max }), hostileText(max, 0));
/** Up to 100 kB, mostly small. */
// Lengths are counted in characters (code points), as the DTO rules (validator.js) count them.
const codePoints = (value: string) => [...value].length;
const hugeString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 101, maxLength: 2_000 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_001, max: 100_000 })
      .map((length) => 'ä€😀x'.repeat(Math.ceil(length / 4)).slice(0, length)),
  },
);
/** Values no field of any DTO accepts: nested objects and arrays of non-strings. */
const neverValid = fc.oneof(
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 5 }),
    fc.record({ nested: fc.array(fc.integer(), { maxLength: 3 }) }),
    { minKeys: 1, maxKeys: 3 },
  ),
  fc.array(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double()), {
    minLength: 1,
    maxLength: 5,
  }),
  fc.array(fc.array(fc.integer()), { minLength: 1, maxLength: 3 }),
);
const badTraffic = fc.constantFrom<unknown>(
  0,
  -1,
  -1024,
  -0.5,
  0.5,
  1.5,
  2 ** 64,
  1e21,
  -1e21,
  '',
  ' ',
  'abc',
  '-5GB',
  '5XB',
  '0GB',
  'NaN',
  'Infinity',
  '1e999GB',
  '5 G B',
  '٥GB',
  true,
  [],
  {},
);
export const notUuid = fc.oneof(
  text(40),
  fc.constantFrom('00000000-0000-0000-0000-00000000000g', 'not-a-uuid', '1', '{}'),
);

/** An invalid value for one property, using the schema (and the DTO rules it stands for). */
function invalidFor(name: string, schema: Record<string, any>): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [neverValid];
  if (name === 'trafficLimit') options.push(badTraffic);
  if (schema.enum) options.push(text(20).filter((value) => !schema.enum.includes(value)));
  if (schema.format === 'uuid') options.push(notUuid);
  if (schema.type === 'number' || schema.type === 'integer') {
    options.push(fc.constantFrom<unknown>(-1, 0, 0.5, 1e12, -1e12, 2 ** 53 + 2, 'ten', true, '100'));
  }
  if (schema.type === 'array')
    options.push(
      fc.constantFrom<unknown>([], 'x', 1, { 0: 'a' }),
      fc.array(notUuid, { minLength: 1, maxLength: 3 }),
    );
  if (schema.type === 'string' && !schema.enum && !schema.format)
    options.push(
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        hugeString.filter((value) => codePoints(value) > 1000),
      ),
    );
  if (['name', 'notes'].includes(name)) options.push(hugeString.filter((value) => codePoints(value) > 1000));
  if (name === 'metadata') {
    options.push(
      fc.constantFrom<unknown>(
        { 'bad key!': 'x' },
        { k: 1 },
        { '': 'x' },
        Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
      ),
      fc.record({ k: hugeString.filter((value) => codePoints(value) > 512) }),
    );
  }
  if (name === 'countries')
    options.push(
      fc.constantFrom<unknown>({ usa: 1 }, { US: -1 }, { US: 1.5 }, { US: '1' }, { us: 1 }, { US: 1e9 }),
    );
  return fc.oneof(...options);
}

/** A body that is valid but for one property (and sometimes an unknown field), from its schema. */
export function invalidBody(schema: Record<string, any>): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries<Record<string, any>>(schema.properties ?? {});
  const base: Record<string, unknown> = {};
  for (const required of schema.required ?? []) {
    const property = schema.properties[required];
    base[required] = property.enum
      ? property.enum[0]
      : property.type === 'array'
        ? [randomUUID()]
        : property.format === 'uuid'
          ? randomUUID()
          : 'edge-ñ-名字-😀';
  }
  const unknownName = fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }).filter((name) => !(name in (schema.properties ?? {}))),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'isAdmin',
      'id',
      'tenant_id',
      'apiKeyCiphertext',
    ),
  );
  const unknownField = fc.record({
    name: unknownName,
    value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), neverValid),
  });
  const wrongProperty =
    properties.length === 0
      ? fc.constant(undefined)
      : fc
          .constantFrom(...properties)
          .chain(([name, property]) => invalidFor(name, property).map((value) => ({ name, value })));
  return fc
    .tuple(
      wrongProperty,
      fc.option(unknownField, { nil: undefined }),
      fc.option(text(30), { nil: undefined }),
    )
    .filter(([wrong, unknown]) => wrong !== undefined || unknown !== undefined)
    .map(([wrong, unknown, unicodeName]) => {
      // Built with defineProperty so `__proto__` becomes a real JSON key.
      const body: Record<string, unknown> = { ...base };
      if (unicodeName && 'name' in (schema.properties ?? {}) && unicodeName.length > 0)
        body.name = unicodeName;
      if (wrong)
        Object.defineProperty(body, wrong.name, {
          value: wrong.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      if (unknown)
        Object.defineProperty(body, unknown.name, {
          value: unknown.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return body;
    });
}

/** Bodies that are not a JSON object of the right kind, or larger than `bodyLimitBytes`. */
export function malformedBodies(bodyLimitBytes: number): fc.Arbitrary<{ payload: string; type: string }> {
  const notJson = fc.oneof(
    text(50),
    fc.constantFrom(
      '{',
      '{"a":',
      '[1,',
      '{"name": "x",}',
      "{'a':1}",
      'undefined',
      'NaN',
      '\u0000',
      '{"a":1}{"b":2}',
    ),
  );
  return fc.oneof(
    notJson
      .filter((value) => {
        try {
          JSON.parse(value);
          return false;
        } catch {
          return true;
        }
      })
      .map((payload) => ({ payload, type: 'application/json' })),
    fc
      .constantFrom('[]', '[{}]', '"text"', '42', 'true')
      .map((payload) => ({ payload, type: 'application/json' })),
    fc
      .constantFrom(
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      )
      .map((type) => ({ payload: '{"name":"x"}', type })),
    fc
      .integer({ min: bodyLimitBytes + 1, max: bodyLimitBytes + 64 * 1024 })
      .map((size) => ({ payload: JSON.stringify({ name: 'x'.repeat(size) }), type: 'application/json' })),
    fc.constant({ payload: '{"__proto__":{"isAdmin":true},"name":"proto"}', type: 'application/json' }),
  );
}
