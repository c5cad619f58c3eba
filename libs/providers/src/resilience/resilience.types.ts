import type { ErrorCode, ProviderName } from '@app/domain';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How one attempt failed, classified before any provider-specific translation. */
export type FailureKind =
  /** The provider answered with a non-2xx status. */
  | 'http'
  /** No answer in time: the provider may have processed the request. */
  | 'timeout'
  /** The request never reached the provider (connection refused, DNS failure): safe to resend. */
  | 'not-sent'
  /** The connection broke mid-call: the provider may have processed the request. */
  | 'dropped'
  /** The circuit breaker is open: the call was not sent. */
  | 'circuit-open';

export interface CallContext {
  provider: ProviderName;
  accountId: string;
  operation: string;
}

export interface RetryEvent extends CallContext {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface CircuitStateChangeEvent {
  provider: ProviderName;
  accountId: string;
  state: CircuitStateName;
}

export interface RateLimitWaitEvent extends CallContext {
  waitedMs: number;
}

export interface CallEvent extends CallContext {
  method: HttpMethod;
  /** `ok` or the error code the call ended with. */
  outcome: 'ok' | ErrorCode;
  /** The provider's last HTTP status, when it answered. */
  status?: number;
  attempts: number;
  durationMs: number;
}

/** Observation points for metrics and logs; none of them may throw into the call. */
export interface ResilienceHooks {
  onRetry?(event: RetryEvent): void;
  onCircuitStateChange?(event: CircuitStateChangeEvent): void;
  onRateLimitWait?(event: RateLimitWaitEvent): void;
  onCall?(event: CallEvent): void;
}

export interface RetryOptions {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is capped to it. */
  retryAfterCapMs: number;
  /** The most a single call may spend waiting between attempts; past it the last error is reported. */
  maxTotalWaitMs: number;
}

export interface CircuitOptions {
  /** Consecutive 5xx / connection / timeout failures that open the circuit. */
  threshold: number;
  halfOpenAfterMs: number;
}

export interface RateLimitOptions {
  enabled: boolean;
  /** Defaults to the provider's published limit. */
  perMinute?: number;
  /** Calls in flight at once per account. */
  maxConcurrent?: number;
  /** When set, replicas share the limit through Redis. */
  redisUrl?: string;
  /** Prefix of the Redis keys (one limiter per account under it). */
  keyPrefix?: string;
}

export interface DriverOptions {
  /** Per attempt. */
  timeoutMs: number;
  retry: RetryOptions;
  circuit: CircuitOptions;
  rateLimit: RateLimitOptions;
  /** Sockets kept per account (keep-alive). */
  maxSockets: number;
  hooks?: ResilienceHooks;
}

export type DriverOptionsInput = Partial<Omit<DriverOptions, 'retry' | 'circuit' | 'rateLimit'>> & {
  retry?: Partial<RetryOptions>;
  circuit?: Partial<CircuitOptions>;
  rateLimit?: Partial<RateLimitOptions>;
};

export const DEFAULT_DRIVER_OPTIONS: DriverOptions = {
  timeoutMs: 10_000,
  retry: {
    maxAttempts: 3,
    baseDelayMs: 200,
    maxDelayMs: 5_000,
    retryAfterCapMs: 30_000,
    maxTotalWaitMs: 30_000,
  },
  circuit: { threshold: 5, halfOpenAfterMs: 30_000 },
  rateLimit: { enabled: true, maxConcurrent: 10, keyPrefix: 'subuser-gateway' },
  maxSockets: 50,
};

export function resolveDriverOptions(...inputs: Array<DriverOptionsInput | undefined>): DriverOptions {
  let resolved: DriverOptions = {
    ...DEFAULT_DRIVER_OPTIONS,
    retry: { ...DEFAULT_DRIVER_OPTIONS.retry },
    circuit: { ...DEFAULT_DRIVER_OPTIONS.circuit },
    rateLimit: { ...DEFAULT_DRIVER_OPTIONS.rateLimit },
  };
  for (const input of inputs) {
    if (!input) continue;
    resolved = {
      ...resolved,
      ...dropUndefined(input),
      retry: { ...resolved.retry, ...dropUndefined(input.retry ?? {}) },
      circuit: { ...resolved.circuit, ...dropUndefined(input.circuit ?? {}) },
      rateLimit: { ...resolved.rateLimit, ...dropUndefined(input.rateLimit ?? {}) },
    };
  }
  return resolved;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
