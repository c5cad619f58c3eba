/**
 * A UUID as the gateway issues them and PostgreSQL's `uuid` reads them: 8-4-4-4-12 hex digits.
 * Anything else (36 dashes, 36 zeros, braces) is no id of ours, and must not reach a `uuid` column,
 * where PostgreSQL would refuse the whole query.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
