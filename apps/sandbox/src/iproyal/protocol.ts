import { FastifyRequest } from 'fastify';
import { DEFAULT_RETRY_AFTER_SECONDS, RuntimeConfig } from '../config';
import { LaravelErrors, laravelTooManyAttempts, laravelValidationMessage } from '../laravel';
import { ProviderProtocol, SandboxReply } from '../provider-pipeline';
import { RateLimitDecision } from '../rate-limiter';
import { MalformedJsonBody, UnsupportedMediaBody } from '../request-body';

/** A Laravel error answer: `{"message": ...}`. */
export function laravelMessage(status: number, message: string): SandboxReply {
  return { status, body: { message } };
}

/** Laravel's ValidationException answer: 422 `{"message", "errors": {field: [...]}}`. */
export function unprocessable(errors: LaravelErrors): SandboxReply {
  return { status: 422, body: { message: laravelValidationMessage(errors), errors } };
}

/** Laravel's answer when route model binding finds no row (the model's class name is a guess). */
export function subuserNotFound(hash: string): SandboxReply {
  return laravelMessage(404, `No query results for model [App\\Models\\ResidentialSubuser] ${hash}`);
}

/** Laravel's exception handler words 5xx answers with the status text, never the exception. */
const STATUS_TEXT: Record<number, string> = {
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** IPRoyal's API is Laravel: Sanctum bearer tokens, the throttle middleware, JSON errors. */
export function iproyalProtocol(
  isValidKey: (key: string) => boolean,
  config: RuntimeConfig,
): ProviderProtocol {
  return {
    provider: 'iproyal',
    authenticate(request: FastifyRequest) {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (match !== null && isValidKey(match[1])) return match[1];
      return laravelMessage(401, 'Unauthenticated.');
    },
    readBody(request: FastifyRequest) {
      // Laravel reads a body it cannot parse (bad JSON, another media type) as no input at all:
      // validation then reports the missing fields with 422, it never answers 400.
      const body = request.body;
      const unread = body instanceof MalformedJsonBody || body instanceof UnsupportedMediaBody;
      if (!unread && body !== null && typeof body === 'object' && !Array.isArray(body)) return { body };
      return { body: undefined };
    },
    throttled(decision: RateLimitDecision) {
      return laravelTooManyAttempts(decision.retryAfterSeconds, decision.limit, decision.resetAtSeconds);
    },
    rateLimitHeaders(decision: RateLimitDecision) {
      return {
        'x-ratelimit-limit': String(decision.limit),
        'x-ratelimit-remaining': String(decision.remaining),
      };
    },
    faultError(status: number) {
      return laravelMessage(status, STATUS_TEXT[status] ?? `Request failed with status ${status}.`);
    },
    faultRateLimit(retryAfterSeconds: number | undefined) {
      const retryAfter = retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS.iproyal;
      return laravelTooManyAttempts(
        retryAfter,
        config.rateLimits.iproyal.perMinute,
        Math.ceil(Date.now() / 1000) + retryAfter,
      );
    },
    commonHeaders() {
      return undefined;
    },
  };
}
