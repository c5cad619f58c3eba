import { SandboxReply } from './provider-pipeline';

/** Laravel validation errors: field -> messages. */
export type LaravelErrors = Record<string, string[]>;

/** Laravel's throttle middleware answer (ProxyHat and IPRoyal are both Laravel apps). */
export function laravelTooManyAttempts(retryAfter: number, limit: number, resetAt: number): SandboxReply {
  return {
    status: 429,
    body: { message: 'Too Many Attempts.' },
    headers: {
      'retry-after': String(retryAfter),
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetAt),
    },
  };
}

/**
 * The `message` of Laravel's ValidationException: the first message, then how many others
 * there are ("The username field is required. (and 2 more errors)").
 */
export function laravelValidationMessage(errors: LaravelErrors): string {
  const all = Object.values(errors).flat();
  const [first = 'The given data was invalid.', ...rest] = all;
  if (rest.length === 0) return first;
  return `${first} (and ${rest.length} more ${rest.length === 1 ? 'error' : 'errors'})`;
}
