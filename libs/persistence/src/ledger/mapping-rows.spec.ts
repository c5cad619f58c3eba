import fc from 'fast-check';
import { jsonbForm } from './mapping-rows';

/**
 * The keys of an object as a jsonb column's text parses back: jsonb's order (shorter UTF-8 first,
 * then bytewise), except that a JS object always lists integer-like keys first.
 */
function jsonbKeysInOrder(keys: string[]): string[] {
  const sorted = [...keys].sort((a, b) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length - y.length || Buffer.compare(x, y);
  });
  return Object.keys(Object.fromEntries(sorted.map((key) => [key, null])));
}

function everyObject(value: unknown, visit: (object: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) value.forEach((inner) => everyObject(inner, visit));
  else if (value !== null && typeof value === 'object') {
    visit(value as Record<string, unknown>);
    Object.values(value).forEach((inner) => everyObject(inner, visit));
  }
}

describe('jsonbForm', () => {
  it("puts every object's keys in jsonb's order, non-ASCII keys included, and keeps the values", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 2 })), (value) => {
        const form = jsonbForm(value);
        // What JSON keeps of it (-0 reads back as 0, as from jsonb).
        expect(form).toEqual(JSON.parse(JSON.stringify(value)));
        everyObject(form, (object) => {
          expect(Object.keys(object)).toEqual(jsonbKeysInOrder(Object.keys(object)));
        });
      }),
      { numRuns: 200 },
    );
    expect(Object.keys(jsonbForm({ bb: 1, é: 2, a: 3, ab: 4 }) as object)).toEqual(['a', 'ab', 'bb', 'é']);
  });
});
