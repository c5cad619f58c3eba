import { parse } from 'node:querystring';

/** `metadata[customerId]` (OpenAPI's deepObject, as Swagger UI and openapi-fetch send it) or `metadata.customerId`. */
const METADATA_PAIR = /^metadata(?:\[([^\]]*)\]|\.(.*))$/s;

/**
 * Parses a query string, gathering `metadata[<key>]=<value>` (deepObject style) and
 * `metadata.<key>=<value>` pairs into `{metadata: {key: value}}` so list filters on caller tags
 * validate like any other query parameter. A repeated key keeps every value (an array, which the
 * validation refuses), as any other repeated parameter does.
 */
export function parseQueryString(query: string): Record<string, unknown> {
  const parsed: Record<string, unknown> = { ...parse(query) };
  for (const name of Object.keys(parsed)) {
    const match = METADATA_PAIR.exec(name);
    if (!match) continue;
    const metadata = (parsed.metadata ??= {}) as Record<string, unknown>;
    // `metadata=<text>` beside pairs: left as it is, the validation refuses both.
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) continue;
    const key = match[1] ?? match[2];
    const value = parsed[name];
    const earlier = metadata[key];
    // An own property even for `__proto__`: a query string never reaches an object's prototype.
    Object.defineProperty(metadata, key, {
      value: earlier === undefined ? value : ([] as unknown[]).concat(earlier, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    delete parsed[name];
  }
  return parsed;
}
