import { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DEFAULT_RETRY_AFTER_SECONDS } from '../config';
import { ProviderProtocol, SandboxReply } from '../provider-pipeline';
import { RateLimitDecision } from '../rate-limiter';
import { MalformedJsonBody, UnsupportedMediaBody } from '../request-body';
import { webshareJson } from './serialize';

/** A DRF error answer: `{"detail": ...}` plus any extra keys (e.g. `code`). */
export function drfError(status: number, detail: string, extra?: Record<string, unknown>): SandboxReply {
  return { status, body: webshareJson({ detail, ...extra }) };
}

export function drfNotFound(): SandboxReply {
  return drfError(404, 'Not found.');
}

const FAULT_DETAILS: Record<number, string> = {
  500: 'A server error occurred.',
  502: 'Bad Gateway',
  503: 'Service temporarily unavailable, try again later.',
  504: 'Gateway Timeout',
};

/** Webshare is Django REST framework with TokenAuthentication and DRF throttling. */
export function webshareProtocol(isValidKey: (key: string) => boolean): ProviderProtocol {
  const unauthorized = (detail: string): SandboxReply => ({
    ...drfError(401, detail),
    headers: { 'www-authenticate': 'Token' },
  });
  return {
    provider: 'webshare',
    authenticate(request: FastifyRequest) {
      const header = request.headers.authorization;
      const parts = typeof header === 'string' ? header.trim().split(/\s+/) : [];
      if (parts.length === 0 || parts[0].toLowerCase() !== 'token') {
        return unauthorized('Authentication credentials were not provided.');
      }
      if (parts.length === 1) return unauthorized('Invalid token header. No credentials provided.');
      if (parts.length > 2)
        return unauthorized('Invalid token header. Token string should not contain spaces.');
      return isValidKey(parts[1]) ? parts[1] : unauthorized('Invalid token.');
    },
    readBody(request: FastifyRequest) {
      const body = request.body;
      if (body instanceof MalformedJsonBody)
        return { reject: drfError(400, `JSON parse error - ${body.message}`) };
      if (body instanceof UnsupportedMediaBody) {
        return { reject: drfError(415, `Unsupported media type "${body.contentType}" in request.`) };
      }
      return { body };
    },
    throttled(decision: RateLimitDecision) {
      return throttledReply(decision.retryAfterSeconds);
    },
    rateLimitHeaders() {
      return undefined; // DRF sends no X-RateLimit-* headers
    },
    faultError(status: number) {
      return drfError(status, FAULT_DETAILS[status] ?? `Request failed with status ${status}.`);
    },
    faultRateLimit(retryAfterSeconds: number | undefined) {
      return throttledReply(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS.webshare);
    },
    commonHeaders() {
      return { 'x-request-id': randomUUID().replace(/-/g, '') };
    },
  };
}

function throttledReply(seconds: number): SandboxReply {
  const unit = seconds === 1 ? 'second' : 'seconds';
  return {
    ...drfError(429, `Request was throttled. Expected available in ${seconds} ${unit}.`),
    headers: { 'retry-after': String(seconds) },
  };
}
