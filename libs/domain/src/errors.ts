import type { ProviderName } from './sub-user';

export const ERROR_CATALOG = {
  MALFORMED_REQUEST: { status: 400, title: 'Malformed request' },
  VALIDATION_FAILED: { status: 422, title: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'Idempotency key reused with a different request' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'Request with this idempotency key is still running' },
  UNSUPPORTED_BY_PROVIDER: { status: 422, title: 'Unsupported by provider' },
  QUOTA_EXCEEDED: { status: 422, title: 'Tenant budget exceeded' },
  RATE_LIMITED: { status: 429, title: 'Rate limited' },
  PROVIDER_REJECTED: { status: 422, title: 'Provider rejected the request' },
  PROVIDER_NOT_FOUND: { status: 404, title: 'Provider no longer has the resource' },
  PROVIDER_AUTH_FAILED: { status: 502, title: 'Provider refused the gateway credentials' },
  PROVIDER_RATE_LIMITED: { status: 503, title: 'Provider rate limit exceeded' },
  PROVIDER_UNAVAILABLE: { status: 503, title: 'Provider unavailable' },
  PROVIDER_TIMEOUT: { status: 504, title: 'Provider timed out' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

export interface FieldError {
  field: string;
  message: string;
}

export interface GatewayErrorOptions {
  fieldErrors?: FieldError[];
  extras?: Record<string, unknown>;
}

/**
 * Base of every error the gateway reports on purpose. The API layer turns it into
 * problem+json; `detail` is shown to callers, so it must never hold a key or a password.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly fieldErrors?: FieldError[];
  readonly extras?: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.detail = detail;
    if (options.fieldErrors !== undefined) this.fieldErrors = options.fieldErrors;
    if (options.extras !== undefined) this.extras = options.extras;
  }

  get title(): string {
    return ERROR_CATALOG[this.code].title;
  }
}

export type ProviderErrorCode =
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_AUTH_FAILED'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT';

/**
 * Whether the request reached the provider: `no` (connection refused, circuit open — safe to
 * resend), `yes` (it answered), `maybe` (timeout or dropped connection: it may have acted).
 */
export type ReachedProvider = 'no' | 'yes' | 'maybe';

export interface ProviderErrorOptions extends GatewayErrorOptions {
  reachedProvider?: ReachedProvider;
  providerStatus?: number;
  providerRequestId?: string;
  retryAfterSeconds?: number;
}

/** An upstream failure: says which provider refused and how, so callers know it was not them. */
export class ProviderError extends GatewayError {
  readonly provider: ProviderName;
  readonly reachedProvider?: ReachedProvider;
  readonly providerStatus?: number;
  readonly providerRequestId?: string;
  readonly retryAfterSeconds?: number;

  constructor(
    provider: ProviderName,
    code: ProviderErrorCode,
    detail: string,
    options: ProviderErrorOptions = {},
  ) {
    super(code, detail, options);
    this.provider = provider;
    if (options.reachedProvider !== undefined) this.reachedProvider = options.reachedProvider;
    if (options.providerStatus !== undefined) this.providerStatus = options.providerStatus;
    if (options.providerRequestId !== undefined) this.providerRequestId = options.providerRequestId;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The operation or field has no meaning for that provider (422). */
export class UnsupportedByProviderError extends GatewayError {
  readonly provider: ProviderName;
  readonly operationOrField: string;

  constructor(provider: ProviderName, operationOrField: string) {
    super('UNSUPPORTED_BY_PROVIDER', `'${operationOrField}' is not supported by provider '${provider}'`, {
      extras: { provider, operationOrField },
    });
    this.provider = provider;
    this.operationOrField = operationOrField;
  }
}

/** A value the gateway refuses before calling anyone (422 VALIDATION_FAILED). */
export class DomainValidationError extends GatewayError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('VALIDATION_FAILED', `${field}: ${message}`, { fieldErrors: [{ field, message }] });
    this.field = field;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}
