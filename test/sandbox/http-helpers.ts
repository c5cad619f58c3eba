import { request as httpRequest } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  /** Serialized as JSON unless it is already a string. */
  body?: unknown;
  /** Client-side timeout: the promise rejects with Error('client timeout'). */
  timeoutMs?: number;
}

/** A plain node:http call (no keep-alive), so hung or dropped sockets never leak between tests. */
export function http(method: string, url: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client timeout')));
    }
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const WS_KEY = 'ws-sandbox-key';
export const PH_KEY = 'ph-sandbox-key';
export const IR_KEY = 'iproyal-sandbox-key';
export const wsAuth = (key = WS_KEY) => ({ authorization: `Token ${key}` });
export const phAuth = (key = PH_KEY) => ({ authorization: `Bearer ${key}` });
export const irAuth = (key = IR_KEY) => ({ authorization: `Bearer ${key}` });

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Objects whose keys are data (country codes, protocols), not field names. */
const DICTIONARY_FIELDS = new Set(['proxy_countries', 'countries_used', 'protocols_used']);
/**
 * Documented with a value but nullable: last_request_sent_at of a sub-user that never sent a
 * request, and ProxyHat's name/notes ("string or null" in the provider notes).
 */
const NULLABLE_FIELDS = new Set(['last_request_sent_at', 'name', 'notes']);

/**
 * Asserts `actual` has every field of the documented example with the same JSON type,
 * recursively into objects and into the first element of arrays. Documented nulls accept
 * null or a string (nullable text/datetime fields); dictionaries must be objects of numbers.
 */
export function expectDocumentedShape(actual: unknown, documented: unknown, path = '$'): void {
  const field = path.slice(path.lastIndexOf('.') + 1);
  if (DICTIONARY_FIELDS.has(field) && jsonType(documented) === 'object') {
    if (jsonType(actual) !== 'object') throw new Error(`${path}: expected object, got ${jsonType(actual)}`);
    for (const [key, value] of Object.entries(actual as Record<string, unknown>)) {
      if (typeof value !== 'number') throw new Error(`${path}.${key}: expected number`);
    }
    return;
  }
  const expectedType = jsonType(documented);
  const actualType = jsonType(actual);
  if (expectedType === 'null') {
    if (actualType !== 'null' && actualType !== 'string') {
      throw new Error(`${path}: expected null or string, got ${actualType}`);
    }
    return;
  }
  if (actualType === 'null' && NULLABLE_FIELDS.has(field)) return;
  if (actualType !== expectedType) throw new Error(`${path}: expected ${expectedType}, got ${actualType}`);
  if (expectedType === 'array') {
    const documentedItems = documented as unknown[];
    const actualItems = actual as unknown[];
    if (documentedItems.length > 0 && actualItems.length > 0) {
      expectDocumentedShape(actualItems[0], documentedItems[0], `${path}[0]`);
    }
    return;
  }
  if (expectedType === 'object') {
    for (const [key, value] of Object.entries(documented as Record<string, unknown>)) {
      if (!(key in (actual as Record<string, unknown>))) throw new Error(`${path}.${key}: missing`);
      expectDocumentedShape((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  }
}

/** Webshare prints datetimes with microseconds and an offset, like Django. */
export const WEBSHARE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$/;
/** ProxyHat's examples use UTC with Z and whole seconds. */
export const PROXYHAT_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** IPRoyal hashes: 26 characters of Crockford's base32, like a ULID. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
