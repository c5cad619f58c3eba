import { FastifyRequest } from 'fastify';
import { DEFAULT_RETRY_AFTER_SECONDS, RuntimeConfig } from '../config';
import { ProviderProtocol, SandboxReply } from '../provider-pipeline';
import { RateLimitDecision } from '../rate-limiter';
import { MalformedJsonBody } from '../request-body';
import { LaravelErrors, laravelTooManyAttempts } from '../laravel';

/** ProxyHat wraps every answer: `{success, payload, meta, errors, description}`. */
export function envelope(payload: unknown, status = 200): SandboxReply {
  return { status, body: { success: true, payload, meta: {}, errors: [], description: '' } };
}

export function failure(status: number, description: string, errors: LaravelErrors | [] = []): SandboxReply {
  return { status, body: { success: false, payload: null, errors, description } };
}

export function validationFailed(errors: LaravelErrors): SandboxReply {
  return failure(422, 'Validation failed', errors);
}

const STATUS_TEXT: Record<number, string> = {
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** ProxyHat is Laravel: Sanctum bearer tokens and the throttle middleware. */
export function proxyhatProtocol(
  isValidKey: (key: string) => boolean,
  config: RuntimeConfig,
): ProviderProtocol {
  return {
    provider: 'proxyhat',
    authenticate(request: FastifyRequest) {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (match !== null && isValidKey(match[1])) return match[1];
      return { status: 401, body: { message: 'Unauthenticated.' } };
    },
    readBody(request: FastifyRequest) {
      const body = request.body;
      if (body instanceof MalformedJsonBody) return { reject: failure(400, 'Malformed JSON body.') };
      // Laravel ignores bodies it cannot read (form posts aside): validation then reports the gaps.
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { body };
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
      return failure(status, STATUS_TEXT[status] ?? `Request failed with status ${status}.`);
    },
    faultRateLimit(retryAfterSeconds: number | undefined) {
      const retryAfter = retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS.proxyhat;
      return laravelTooManyAttempts(
        retryAfter,
        config.rateLimits.proxyhat.perMinute,
        Math.ceil(Date.now() / 1000) + retryAfter,
      );
    },
    commonHeaders() {
      return undefined;
    },
  };
}
