/**
 * A UUID as the gateway issues them and PostgreSQL's `uuid` reads them: 8-4-4-4-12 hex digits.
 * Anything else (36 dashes, 36 zeros, braces) is no id of ours, and must not reach a `uuid` column,
 * where PostgreSQL would refuse the whole query.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/**
 * One spelling per id in a body or query (`@Transform(lowerCaseIds)`): PostgreSQL reads
 * 8120DD91-… and 8120dd91-… as one uuid, so a handler that keys its results by the stored id, or
 * compares ids as text, must see the stored spelling. Path parameters get the same treatment from
 * the edge guard. Anything not a UUID is left for the validators to refuse.
 */
export function lowerCaseIds({ value }: { value: unknown }): unknown {
  if (Array.isArray(value)) return value.map((item) => lowerCaseIds({ value: item }));
  return isUuid(value) ? value.toLowerCase() : value;
}
