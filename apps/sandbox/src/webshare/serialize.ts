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

/**
 * Each sub-user's JSON is cached until the store changes it: list pages are then string joins,
 * which keeps deep-page listing cheap under benchmark load.
 */
const subuserJsonCache = new WeakMap<object, string>();

export function subuserJson(subuser: object): string {
  let json = subuserJsonCache.get(subuser);
  if (json === undefined) {
    json = webshareJson(subuser);
    subuserJsonCache.set(subuser, json);
  }
  return json;
}

/** Must be called whenever a stored sub-user object is mutated. */
export function forgetSubuserJson(subuser: object): void {
  subuserJsonCache.delete(subuser);
}

export function pageJson(
  count: number,
  next: string | null,
  previous: string | null,
  results: object[],
): string {
  return `{"count":${count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":[${results.map(subuserJson).join(',')}]}`;
}
