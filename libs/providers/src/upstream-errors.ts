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
}

/** Whether the provider may have acted: callers decide from it whether a create may have happened. */
const REACHED_PROVIDER: Record<UpstreamFailure['kind'], ReachedProvider> = {
  http: 'yes',
  timeout: 'maybe',
  dropped: 'maybe',
  'not-sent': 'no',
  'circuit-open': 'no',
};

const PROVIDER_LABELS: Record<ProviderName, string> = { webshare: 'Webshare', proxyhat: 'ProxyHat' };

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
  provider: ProviderName,
  failure: UpstreamFailure,
  readBody: (body: unknown) => ProviderErrorBody,
): ProviderError {
  const label = PROVIDER_LABELS[provider];
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
