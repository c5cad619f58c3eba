import { RequestMethod } from '@nestjs/common';
import { Params } from 'nestjs-pino';
import type { Bindings, DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { GatewayConfig } from '../config/gateway-config';

/** Paths that may hold a secret in any log line; pino replaces their values. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.*.headers.authorization',
  '*.apiKey',
  '*.*.apiKey',
  '*.password',
  '*.*.password',
  '*.proxyPassword',
  '*.*.proxyPassword',
  '*.key',
  '*.token',
];

/** Query parameter names that carry secrets (compared lower-case, without `-` and `_`). */
const SECRET_PARAMETERS = new Set([
  'key',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'auth',
  'authorization',
  'bearer',
  'jwt',
  'password',
  'passwd',
  'pwd',
  'secret',
  'sig',
  'signature',
  'session',
  'sessionid',
  'credentials',
]);
const SECRET_PARTS = /token|secret|passw|apikey|credential|signature|privatekey/;

function isSecretParameter(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: judge the raw name.
  }
  const normalized = decoded.toLowerCase().replace(/[-_.\s[\]]/g, '');
  return SECRET_PARAMETERS.has(normalized) || SECRET_PARTS.test(normalized);
}

/**
 * The URL as logged: values of query parameters that look like secrets (`?api_key=`, `token`,
 * `password`, ...) are replaced, so a key sent in the wrong place is not written in clear.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const query = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && isSecretParameter(name) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, start)}?${query}`;
}

/** Levels below which pino-http's request-completed lines (always `info`) are never written. */
const ABOVE_INFO = new Set(['warn', 'error', 'fatal', 'silent']);

export function loggerOptions(config: GatewayConfig, stream?: NodeJS.WritableStream): Params {
  const options: Options = {
    level: config.logging.level,
    // The request-completed line is written at `info`: above it, nothing would be written, so
    // its per-request work (listeners, bindings, an object per answer) is not done at all.
    autoLogging: !ABOVE_INFO.has(config.logging.level),
    // Fastify assigns the request id (from X-Request-Id or generated); reuse it on every line.
    genReqId: (request) => String((request as unknown as { id?: string }).id ?? ''),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Asked when a request starts (no caller known yet: undefined spares pino-http a child logger
    // per request: 15 -> 5 us of pino-http per request) and when it completes (key and tenant).
    customProps: (request) => {
      const auth = (request as { auth?: { keyId: string; tenantId: string } }).auth;
      return (auth ? { keyId: auth.keyId, tenantId: auth.tenantId } : undefined) as Bindings;
    },
    serializers: {
      req: (request: { id: string; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: redactUrl(request.url),
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    transport:
      config.logging.format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          }
        : undefined,
  };
  // A stream (tests capture log lines with one) replaces the pretty/stdout transport.
  return {
    pinoHttp: stream ? [{ ...options, transport: undefined }, stream as DestinationStream] : options,
    // Liveness probes every few seconds would drown the log; they touch nothing worth a line.
    exclude: [{ method: RequestMethod.GET, path: 'health/live' }],
  };
}
