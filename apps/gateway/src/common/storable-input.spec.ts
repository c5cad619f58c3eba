import fc from 'fast-check';
import { MAX_INPUT_DEPTH, isStorableText, printableName, unstorableFields } from './storable-input';
import { datesOutOfRange, droppedKeys, keyPathsOf } from './validation';
import { decodeCursor } from './pagination';

describe('isStorableText', () => {
  it.each([
    ['plain', true],
    ['ä€😀 Ω', true],
    ['a\u0301', true],
    ['\ud83d\ude00', true],
    ['\ufffd\ufffe\uffff', true],
    ['a\u0000b', false],
    ['\ud800', false],
    ['x\udfff', false],
    ['\udfff\ud800', false],
    ['\ud83d', false],
  ])('%j → %s', (text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('accepts every well-formed string without NUL, refuses any with NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(isStorableText(text)).toBe(!text.includes('\u0000'));
      }),
    );
  });
});

describe('unstorableFields', () => {
  it('names every field at fault as validation names fields, keys included', () => {
    expect(
      unstorableFields({
        name: 'p\u0000q',
        metadata: { ok: 'v', k: '\ud800' },
        ids: ['a', 'b\u0000'],
        'bad\u0000key': 1,
        size: Number.POSITIVE_INFINITY,
        big: 2 ** 60,
      }).map((fault) => fault.field),
    ).toEqual(['name', 'metadata.k', 'ids[1]', 'bad\\u0000key', 'size', 'big']);
  });

  it('finds nothing wrong in ordinary input', () => {
    expect(unstorableFields({ name: 'ok 😀', limit: 5, nested: { list: [1, 'two', null, true] } })).toEqual(
      [],
    );
  });

  it('names the input itself when it is a bare value', () => {
    expect(unstorableFields('\u0000', 'body')).toEqual([
      { field: 'body', message: expect.stringContaining('must not contain NUL') },
    ]);
  });

  it(`refuses nesting past ${MAX_INPUT_DEPTH} levels, at the top-level field, without recursion`, () => {
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level += 1) deep = [deep];
    expect(unstorableFields({ name: deep })).toEqual([
      { field: 'name', message: expect.stringContaining(`deeper than ${MAX_INPUT_DEPTH} levels`) },
    ]);
    expect(unstorableFields(deep).map((fault) => fault.field)).toEqual(['body']);

    let allowed: unknown = 'x';
    // MAX_INPUT_DEPTH objects, one in the other: the deepest allowed.
    for (let level = 0; level < MAX_INPUT_DEPTH; level += 1) allowed = { a: allowed };
    expect(unstorableFields(allowed)).toEqual([]);
    expect(unstorableFields({ a: allowed })).toHaveLength(1);
  });

  it('reports at most 20 faults', () => {
    expect(unstorableFields(Array.from({ length: 100 }, () => '\u0000'))).toHaveLength(20);
  });

  it('writes unstorable code units of a name as \\uXXXX and cuts long names', () => {
    expect(printableName('a\u0000\ud800')).toBe('a\\u0000\\ud800');
    expect(printableName('x'.repeat(100))).toBe(`${'x'.repeat(64)}…`);
  });
});

describe('datesOutOfRange', () => {
  it('refuses a Date outside 1970–9999 anywhere in a transformed DTO', () => {
    expect(
      datesOutOfRange({
        since: new Date('-200000-01-01T00:00:00Z'),
        ok: new Date('2026-01-01T00:00:00Z'),
        nested: { until: new Date(8.64e15) },
        invalid: new Date(Number.NaN),
      }).map((fault) => fault.field),
    ).toEqual(expect.arrayContaining(['since', 'nested.until', 'invalid']));
  });

  it('finds nothing in ordinary values', () => {
    expect(datesOutOfRange({ since: new Date('2026-01-01T00:00:00Z'), name: 'x' })).toEqual([]);
    expect(datesOutOfRange('text')).toEqual([]);
  });
});

describe('decodeCursor', () => {
  const cursor = (c: unknown, i: unknown) => Buffer.from(JSON.stringify({ c, i })).toString('base64url');
  const id = '5a0f4a8e-5b8b-4d7c-9f3e-2b7c1d0e9a11';

  it('reads back what encodeCursor wrote', () => {
    expect(decodeCursor(cursor('2026-01-01T00:00:00.000Z', id), { uuidIds: true })).toEqual({
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      id,
    });
  });

  it.each([
    ['year -200000', cursor('-200000-01-01T00:00:00.000Z', id)],
    ['year 275760', cursor('+275760-09-13T00:00:00.000Z', id)],
    ['before 1970', cursor('1969-12-31T23:59:59.999Z', id)],
    ['a number', cursor(0, id)],
    ['NUL in a text id', cursor('2026-01-01T00:00:00.000Z', 'default\u0000')],
    ['a lone surrogate in a text id', cursor('2026-01-01T00:00:00.000Z', '\ud800')],
  ])('refuses a cursor with %s (422, never a query)', (_label, value) => {
    expect(() => decodeCursor(value)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses ids that are not UUIDs where the column is one (36 dashes, 36 zeros)', () => {
    for (const bad of ['-'.repeat(36), '0'.repeat(36)]) {
      expect(() => decodeCursor(cursor('2026-01-01T00:00:00.000Z', bad), { uuidIds: true })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      );
    }
  });
});

describe('droppedKeys', () => {
  it('names every key of the input the built DTO lacks, as validation names fields', () => {
    const input = { name: 'x', metadata: { plain: 'p', valueOf: 'v' }, ids: [{ constructor: 1 }] };
    const paths = keyPathsOf(input);
    const built = { name: 'x', metadata: { plain: 'p' }, ids: [{}] };
    expect(droppedKeys(paths, built).map((fault) => fault.field)).toEqual([
      'ids[0].constructor',
      'metadata.valueOf',
    ]);
  });

  it('does not count a value a transform turned into another type', () => {
    expect(droppedKeys(keyPathsOf({ limit: '5', fresh: { a: 1 } }), { limit: 5, fresh: true })).toEqual([]);
  });
});
