/**
 * What PostgreSQL can store. Text and jsonb refuse NUL, jsonb refuses a lone UTF-16 surrogate
 * (JSON.stringify writes it as `\udXXX`, which PostgreSQL rejects). The API refuses such input at
 * the edge; a provider may still send it back (a name changed in its own panel), and one such
 * value must not stop the sync of a whole account. So provider data is stored escaped: the code
 * unit becomes its visible `\uXXXX` text, which a person can read and nothing can mistake for it.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** String.prototype.isWellFormed (Node 20): no lone surrogate. Not yet in this TypeScript lib. */
type WellFormed = string & { isWellFormed(): boolean };

/** Whether PostgreSQL can store this text as it is. */
export function isStorableText(value: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(value);
}

export function storableText(value: string): string {
  // Nearly all text is well-formed and NUL-free: two native checks instead of the regex's scan.
  if ((value as WellFormed).isWellFormed() && !value.includes('\u0000')) return value;
  return value.replace(UNSTORABLE, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function storableTextOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : storableText(value);
}

/** A deep copy with every string (keys included) made storable; other values unchanged. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) result[storableText(key)] = storable(inner);
    return result as T;
  }
  return value;
}
