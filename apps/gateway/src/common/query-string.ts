import { parse } from 'node:querystring';

/**
 * Parses a query string, gathering `metadata.<key>=<value>` pairs into `{metadata: {key: value}}`
 * so list filters on caller tags validate like any other query parameter.
 */
export function parseQueryString(query: string): Record<string, unknown> {
  const parsed: Record<string, unknown> = { ...parse(query) };
  for (const name of Object.keys(parsed)) {
    if (!name.startsWith('metadata.')) continue;
    const metadata = (parsed.metadata ??= {}) as Record<string, unknown>;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) continue;
    metadata[name.slice('metadata.'.length)] = parsed[name];
    delete parsed[name];
  }
  return parsed;
}
