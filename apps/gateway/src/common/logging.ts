import { Params } from 'nestjs-pino';
import { GatewayConfig } from '../config/gateway-config';

/** Paths that may hold a secret in any log line; pino replaces their values. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.password',
  '*.proxyPassword',
  '*.key',
  '*.token',
];

export function loggerOptions(config: GatewayConfig): Params {
  return {
    pinoHttp: {
      level: config.logging.level,
      // Fastify assigns the request id (from X-Request-Id or generated); reuse it on every line.
      genReqId: (request) => String((request as unknown as { id?: string }).id ?? ''),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (request) => (request.url ?? '').startsWith('/health/live') },
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
        }),
      },
      transport:
        config.logging.format === 'pretty'
          ? {
              target: 'pino-pretty',
              options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
            }
          : undefined,
    },
  };
}
