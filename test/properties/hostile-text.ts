import fc from 'fast-check';

/** Every Unicode general category: letters, marks, numbers, punctuation, symbols, separators, other. */
export const CATEGORIES = [
  'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Me', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Ps', 'Pe',
  'Pi', 'Pf', 'Po', 'Sm', 'Sc', 'Sk', 'So', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Cs', 'Co', 'Cn',
] as const; // prettier-ignore
export type Category = (typeof CATEGORIES)[number];

let byCategory: Record<Category, number[]> | undefined;

/** The code points of each category (one pass over all of Unicode, about 0.1 s, done once). */
export function codePointsByCategory(): Record<Category, number[]> {
  if (byCategory) return byCategory;
  // Tested in order of size, so most code points are placed after one or two tests.
  const order: Category[] = ['Cn', 'Co', 'Lo', ...CATEGORIES.filter((c) => !['Cn', 'Co', 'Lo'].includes(c))];
  const patterns = order.map((category) => new RegExp(`^\\p{gc=${category}}$`, 'u'));
  const lists = Object.fromEntries(CATEGORIES.map((category) => [category, [] as number[]])) as Record<
    Category,
    number[]
  >;
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
    const text = String.fromCodePoint(codePoint);
    const index = patterns.findIndex((pattern) => pattern.test(text));
    if (index >= 0) lists[order[index]].push(codePoint);
  }
  byCategory = lists;
  return lists;
}

/** One code point of one category (each category equally likely, however few it holds). */
export function categoryCharacter(): fc.Arbitrary<string> {
  const lists = codePointsByCategory();
  return fc
    .constantFrom(...CATEGORIES)
    .chain((category) =>
      fc.integer({ min: 0, max: lists[category].length - 1 }).map((index) => lists[category][index]),
    )
    .map((codePoint) => String.fromCodePoint(codePoint));
}

/** What PostgreSQL cannot store, and what combines with its neighbours. */
export const NUL = '\u0000';
export const LONE_HIGH = '\ud800';
export const LONE_LOW = '\udfff';
export const UNSTORABLE = [NUL, LONE_HIGH, LONE_LOW, '\udbff', '\udc00', `${LONE_LOW}${LONE_HIGH}`];
export const COMBINING = ['\u0301', '\u0308', '\u20dd', '\u0489', '\u1ab0', '\ufe20', '\u{1d165}'];

/** Whether PostgreSQL stores the text as it is (the rule the gateway's edge applies). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE_PATTERN = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export function storable(text: string): boolean {
  return !UNSTORABLE_PATTERN.test(text);
}

/** `text` with `inserts` placed at generated positions (start, middle, end). */
function inject(text: fc.Arbitrary<string>, inserts: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(text, fc.array(fc.tuple(inserts, fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([base, additions]) => {
      let result = base;
      for (const [insert, at] of additions) {
        const units = [...result];
        const position = units.length === 0 ? 0 : at % (units.length + 1);
        result = [...units.slice(0, position), insert, ...units.slice(position)].join('');
      }
      return result;
    });
}

/**
 * Strings from every Unicode category (lone surrogates are category Cs), from fast-check's
 * `binary` unit (any code point), and either with NUL, lone surrogates or combining marks
 * injected; `maxLength` counts code points before injection.
 */
export function hostileText(maxLength: number, minLength = 1): fc.Arbitrary<string> {
  const categories = fc
    .array(categoryCharacter(), { minLength, maxLength })
    .map((characters) => characters.join(''));
  const binary = fc.string({ unit: 'binary', minLength, maxLength });
  return fc.oneof(
    { weight: 3, arbitrary: categories },
    { weight: 2, arbitrary: binary },
    { weight: 2, arbitrary: inject(fc.oneof(categories, binary), fc.constantFrom(...UNSTORABLE)) },
    { weight: 1, arbitrary: inject(fc.oneof(categories, binary), fc.constantFrom(...COMBINING)) },
  );
}

/**
 * Percent-encodes every UTF-16 code unit as WTF-8 (a lone surrogate as its three bytes, which no
 * UTF-8 decoder accepts), leaving only unreserved ASCII but `.` as it is, so a path segment stays
 * one segment and the bytes sent are exactly the string's (encodeURIComponent throws on a lone
 * surrogate; URLSearchParams replaces it with U+FFFD).
 */
export function percentEncode(text: string): string {
  let encoded = '';
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    let codePoint = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        index += 1;
      }
    }
    if (codePoint < 0x80 && /[A-Za-z0-9_~-]/.test(String.fromCharCode(codePoint))) {
      encoded += String.fromCharCode(codePoint);
      continue;
    }
    for (const byte of wtf8(codePoint)) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

function wtf8(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)];
  if (codePoint < 0x10000) {
    return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
  }
  return [
    0xf0 | (codePoint >> 18),
    0x80 | ((codePoint >> 12) & 0x3f),
    0x80 | ((codePoint >> 6) & 0x3f),
    0x80 | (codePoint & 0x3f),
  ];
}

/** A query string of `pairs`, every name and value percent-encoded byte for byte. */
export function queryOf(pairs: [string, string][]): string {
  return pairs.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}
