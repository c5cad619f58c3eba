import { RequestMethod } from '@nestjs/common';
import { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
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

export function loggerOptions(config: GatewayConfig, stream?: NodeJS.WritableStream): Params {
  const options: Options = {
    level: config.logging.level,
    // Fastify assigns the request id (from X-Request-Id or generated); reuse it on every line.
    genReqId: (request) => String((request as unknown as { id?: string }).id ?? ''),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    customProps: (request) => {
      const auth = (request as { auth?: { keyId: string; tenantId: string } }).auth;
      return auth ? { keyId: auth.keyId, tenantId: auth.tenantId } : {};
    },
    serializers: {
      req: (request: { id: string; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: request.url,
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
