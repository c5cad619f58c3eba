/**
 * JSON as Django prints it: float fields keep their decimal point (`10.0`, not `10`), so a
 * typed client (Python's isinstance(x, float)) sees the same types as from the real API.
 */
const FLOAT_FIELDS = new Set(['proxy_limit', 'average_concurrency', 'average_rps']);
const FLOAT_MARK = '\u0001float:';
const FLOAT_MARK_PATTERN = /"\\u0001float:(-?\d+\.0)"/g;

function markIntegralFloats(key: string, value: unknown): unknown {
  if (FLOAT_FIELDS.has(key) && typeof value === 'number' && Number.isInteger(value)) {
    return `${FLOAT_MARK}${value}.0`;
  }
  return value;
}

export function webshareJson(value: unknown): string {
  const json = JSON.stringify(value, markIntegralFloats);
  return json.includes('\\u0001float:') ? json.replace(FLOAT_MARK_PATTERN, '$1') : json;
}
