import { isTaskCancelledError } from 'cockatiel';
import type { FailureKind } from './resilience.types';

/**
 * One failed attempt, classified. It carries only what error mapping needs: never the request
 * config (it holds the API key) nor the request body (it may hold a proxy password).
 */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly operation: string,
    readonly details: {
      status?: number;
      body?: unknown;
      requestId?: string;
      retryAfterSeconds?: number;
      /** A short technical reason, e.g. `ECONNREFUSED` or `HTTP 503`. */
      reason: string;
    },
  ) {
    super(`${operation}: ${details.reason}`);
    this.name = 'UpstreamFailure';
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

/** A provider's non-2xx answer, as the HTTP client reports it. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // undici could not open a connection in time: nothing was sent.
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** The connection broke mid-call: the provider may have acted. */
const DROPPED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** Parses `Retry-After` (seconds or an HTTP date) into whole seconds. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const value = (headers as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export function requestIdFrom(headers: unknown): string | undefined {
  return headerValue(headers, 'x-request-id');
}

function errorCodeOf(error: unknown): string | undefined {
  const candidates: unknown[] = [error];
  if (error && typeof error === 'object') {
    const withCause = error as { cause?: unknown; errors?: unknown };
    candidates.push(withCause.cause);
    if (Array.isArray(withCause.errors)) candidates.push(...withCause.errors);
  }
  for (const candidate of candidates) {
    if (
      candidate &&
      typeof candidate === 'object' &&
      typeof (candidate as { code?: unknown }).code === 'string'
    ) {
      const code = (candidate as { code: string }).code;
      if (code !== 'ERR_BAD_RESPONSE' && code !== 'ERR_BAD_REQUEST' && code !== 'ERR_NETWORK') return code;
    }
  }
  return undefined;
}

/** Classifies whatever an attempt threw into an {@link UpstreamFailure}. */
export function classifyFailure(error: unknown, operation: string): UpstreamFailure {
  if (error instanceof UpstreamFailure) return error;
  // AbortSignal.timeout's reason is a DOMException named TimeoutError (not always an `Error` of
  // this realm, so it is recognised by name).
  if (isTaskCancelledError(error) || (error as { name?: unknown } | null)?.name === 'TimeoutError') {
    return new UpstreamFailure('timeout', operation, { reason: 'timed out' });
  }
  if (error instanceof HttpStatusError) {
    const { status, body: data, headers } = error;
    return new UpstreamFailure('http', operation, {
      status,
      body: data,
      requestId: requestIdFrom(headers),
      retryAfterSeconds: parseRetryAfter(headerValue(headers, 'retry-after')),
      reason: `HTTP ${status}`,
    });
  }
  const code = errorCodeOf(error);
  if (code && NOT_SENT_CODES.has(code)) return new UpstreamFailure('not-sent', operation, { reason: code });
  if (code && TIMEOUT_CODES.has(code))
    return new UpstreamFailure('timeout', operation, { reason: 'timed out' });
  if (code) {
    return new UpstreamFailure('dropped', operation, {
      reason: DROPPED_CODES.has(code) ? code : `connection failed (${code})`,
    });
  }
  throw error;
}
