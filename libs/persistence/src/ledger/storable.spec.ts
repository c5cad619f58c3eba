import fc from 'fast-check';
import { isStorableText, storable, storableText } from './storable';

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)]);
  return [];
}

describe('storable', () => {
  it('escapes NUL and lone surrogates visibly and keeps surrogate pairs', () => {
    expect(storableText('p\u0000q')).toBe('p\\u0000q');
    expect(storableText('a\ud800b')).toBe('a\\ud800b');
    expect(storableText('\udfffz')).toBe('\\udfffz');
    expect(storableText('emoji \ud83d\ude00 ok')).toBe('emoji \ud83d\ude00 ok');
    expect(isStorableText('p\u0000q')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('\ud83d\ude00')).toBe(true);
  });

  it('leaves nothing PostgreSQL refuses, in strings or keys, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, hostile) => {
        const made = storable({
          [`${hostile}\u0000`]: [value, hostile, { nested: `\u0000${hostile}\ud800` }],
        });
        expect(strings(made).filter((text) => !isStorableText(text))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing in text PostgreSQL can store', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        fc.pre(isStorableText(text));
        expect(storableText(text)).toBe(text);
      }),
    );
  });
});
