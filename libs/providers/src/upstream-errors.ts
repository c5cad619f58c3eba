import {
  type FieldError,
  ProviderError,
  type ProviderErrorCode,
  type ProviderName,
  type ReachedProvider,
} from '@app/domain';
import type { UpstreamFailure } from './resilience/upstream-failure';

/** What a driver's error module reads out of a provider's error body. */
export interface ProviderErrorBody {
  message?: string;
  fieldErrors?: FieldError[];
  /**
   * A refusal callers act on by its kind rather than its words: `insufficient-balance` (a prepaid
   * account is short; nothing was created, another account may have room).
   */
  reason?: 'insufficient-balance';
}

/** Whether the provider may have acted: callers decide from it whether a create may have happened. */
const REACHED_PROVIDER: Record<UpstreamFailure['kind'], ReachedProvider> = {
  http: 'yes',
  timeout: 'maybe',
  dropped: 'maybe',
  'not-sent': 'no',
  'circuit-open': 'no',
};

/**
 * A 2xx whose body is not the provider's JSON (a proxy's or WAF's HTML page, an empty body, a
 * sub-user without its id): the provider may have acted, so a create stays open for the sync
 * instead of being recorded with an id of "undefined".
 */
export function unexpectedAnswer(source: ErrorSource, what: string): ProviderError {
  return new ProviderError(
    source.provider,
    'PROVIDER_UNAVAILABLE',
    `${source.displayName} answered with something that is not its API's ${what}`,
    { reachedProvider: 'maybe' },
  );
}

/** Which provider failed, as errors name it (the driver's description supplies both). */
export interface ErrorSource {
  provider: ProviderName;
  displayName: string;
}

function codeForStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return 'PROVIDER_AUTH_FAILED';
  if (status === 404 || status === 410) return 'PROVIDER_NOT_FOUND';
  if (status === 408) return 'PROVIDER_TIMEOUT';
  if (status === 429) return 'PROVIDER_RATE_LIMITED';
  if (status >= 500) return 'PROVIDER_UNAVAILABLE';
  return 'PROVIDER_REJECTED';
}

/**
 * The shared part of error mapping: transport failures and HTTP statuses to codes. Each driver
 * folder supplies `readBody`, which knows its provider's error format and field names.
 */
export function toProviderError(
  source: ErrorSource,
  failure: UpstreamFailure,
  readBody: (body: unknown) => ProviderErrorBody,
): ProviderError {
  const { provider, displayName: label } = source;
  const { requestId, status, retryAfterSeconds } = failure.details;
  const common = {
    reachedProvider: REACHED_PROVIDER[failure.kind],
    ...(requestId !== undefined ? { providerRequestId: requestId } : {}),
    ...(status !== undefined ? { providerStatus: status } : {}),
  };
  switch (failure.kind) {
    case 'timeout':
      return new ProviderError(
        provider,
        'PROVIDER_TIMEOUT',
        `${label} did not answer ${failure.operation} in time`,
        { ...common, reachedProvider: 'maybe' },
      );
    case 'circuit-open':
      return new ProviderError(
        provider,
        'PROVIDER_UNAVAILABLE',
        `${label} is failing; calls are paused for a while (circuit open)`,
        { ...common, reachedProvider: 'no' },
      );
    case 'not-sent':
    case 'dropped':
      return new ProviderError(
        provider,
        'PROVIDER_UNAVAILABLE',
        `${label} could not be reached (${failure.details.reason})`,
        { ...common, reachedProvider: failure.kind === 'not-sent' ? 'no' : 'maybe' },
      );
    case 'http': {
      const httpStatus = status ?? 0;
      const code = codeForStatus(httpStatus);
      const body = safeRead(readBody, failure.details.body);
      const message = body.message ?? defaultMessage(code, label);
      return new ProviderError(provider, code, `${label}: ${message}`, {
        ...common,
        reachedProvider: 'yes',
        ...(body.fieldErrors && body.fieldErrors.length > 0 ? { fieldErrors: body.fieldErrors } : {}),
        ...(body.reason ? { extras: { reason: body.reason } } : {}),
        ...(code === 'PROVIDER_RATE_LIMITED' && retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    }
  }
}

function safeRead(readBody: (body: unknown) => ProviderErrorBody, body: unknown): ProviderErrorBody {
  try {
    return readBody(body);
  } catch {
    return {};
  }
}

function defaultMessage(code: ProviderErrorCode, label: string): string {
  switch (code) {
    case 'PROVIDER_AUTH_FAILED':
      return `the gateway's credentials for this ${label} account were refused`;
    case 'PROVIDER_NOT_FOUND':
      return 'not found';
    case 'PROVIDER_RATE_LIMITED':
      return 'too many requests';
    case 'PROVIDER_UNAVAILABLE':
      return 'server error';
    case 'PROVIDER_TIMEOUT':
      return 'request timed out';
    default:
      return 'request refused';
  }
}

const REDACTED = '[redacted]';

/**
 * The error without any of `secrets` in its detail or field messages (a provider may quote a
 * rejected password back). The same error when none occurs, which is every ordinary case.
 */
export function redactSecrets(error: ProviderError, secrets: readonly string[] | undefined): ProviderError {
  const present = (secrets ?? []).filter((secret) => secret.length > 0);
  const mentions = (text: string) => present.some((secret) => text.includes(secret));
  if (
    present.length === 0 ||
    (!mentions(error.detail) && !(error.fieldErrors ?? []).some((field) => mentions(field.message)))
  ) {
    return error;
  }
  const redact = (text: string) =>
    present.reduce((result, secret) => result.split(secret).join(REDACTED), text);
  return new ProviderError(error.provider, error.code as ProviderErrorCode, redact(error.detail), {
    ...(error.fieldErrors
      ? { fieldErrors: error.fieldErrors.map((field) => ({ ...field, message: redact(field.message) })) }
      : {}),
    ...(error.extras !== undefined ? { extras: error.extras } : {}),
    ...(error.reachedProvider !== undefined ? { reachedProvider: error.reachedProvider } : {}),
    ...(error.providerStatus !== undefined ? { providerStatus: error.providerStatus } : {}),
    ...(error.providerRequestId !== undefined ? { providerRequestId: error.providerRequestId } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  });
}

/** Keeps provider messages short and single-line; they reach callers verbatim. */
export function cleanMessage(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
