import fc from 'fast-check';
import { pageInPieces } from './page-in-pieces.interceptor';

describe('pageInPieces', () => {
  it('joins to exactly what JSON.stringify writes, whatever the items and the other fields', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ unit: 'binary' })), {
          maxLength: 40,
        }),
        fc.option(fc.string({ unit: 'binary' })),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        (items, nextCursor, extra) => {
          const page = { ...extra, items, nextCursor };
          expect(pageInPieces(page).join('')).toBe(JSON.stringify(page));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('cuts a 500-item page of ~1 KB items into pieces of 48–49 KB, under the large-object size', () => {
    const item = { id: 'x'.repeat(36), name: 'n'.repeat(900), traffic: { limitBytes: 5 * 1024 ** 3 } };
    const page = { items: Array.from({ length: 500 }, () => item), nextCursor: 'cursor' };
    const pieces = pageInPieces(page);
    expect(pieces.join('')).toBe(JSON.stringify(page));
    expect(pieces.length).toBe(Math.ceil(JSON.stringify(page).length / (48 * 1024)));
    for (const piece of pieces) expect(piece.length).toBeLessThan(50 * 1024);
  });

  it('leaves a small page in one piece', () => {
    expect(pageInPieces({ items: [{ a: 1 }], nextCursor: null })).toEqual([
      '{"items":[{"a":1}],"nextCursor":null}',
    ]);
    expect(pageInPieces({ items: [] })).toEqual(['{"items":[]}']);
  });
});
