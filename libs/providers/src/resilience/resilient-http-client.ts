import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import axios, { type AxiosInstance } from 'axios';
import { Pool } from 'undici';
import { type ProviderError, type ProviderName } from '@app/domain';
import type { CallPriority } from '../provider-driver';
import { redactSecrets } from '../upstream-errors';
import type { UpstreamLimiter } from './rate-limiter';
import type { CircuitStateName, DriverOptions, HttpMethod, ResilienceHooks } from './resilience.types';
import { HttpStatusError, UpstreamFailure, classifyFailure, requestIdFrom } from './upstream-failure';
import { type AttemptConfig, undiciPoolAdapter } from './undici-adapter';

export interface UpstreamRequest {
  /** A name for logs and metrics: `list`, `get`, `create`... */
  operation: string;
  method: HttpMethod;
  /** Relative to the account's base URL. */
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  headers?: Record<string, string>;
  priority?: CallPriority;
  /**
   * Statuses that mean success when they answer a resent call, e.g. 404 to a resent DELETE:
   * the earlier attempt, whose answer was lost, did the work. Answered with `data: null`.
   */
  successStatusesOnRetry?: number[];
  /**
   * Values the request carries that must never reach an error (a proxy password): the failure's
   * detail and field messages are redacted of them, should the provider quote them back.
   */
  secrets?: readonly string[];
}

export interface UpstreamResponse<T> {
  status: number;
  data: T;
  requestId?: string;
}

/** Turns a classified failure into the provider's typed error (each driver folder has one). */
export type ErrorTranslator = (failure: UpstreamFailure) => ProviderError;

export interface ResilientHttpClientConfig {
  provider: ProviderName;
  accountId: string;
  baseUrl: string;
  /** Sent on every call (authentication). Never logged, never put in an error. */
  defaultHeaders: Record<string, string>;
  options: DriverOptions;
  limiter: UpstreamLimiter;
  translateError: ErrorTranslator;
}

const CIRCUIT_STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Methods the provider may safely receive twice. */
const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'PUT', 'PATCH', 'DELETE']);

interface RawResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One provider account's HTTP: axios (as the product's stack names it) over a keep-alive undici
 * pool (its default http adapter costs about twice the CPU per call: ./undici-adapter.ts), and per
 * attempt a rate/concurrency slot, a circuit-breaker check and a timeout; retries around all of it. Non-idempotent calls (POST)
 * are resent only when the provider certainly did not process them (429, connection refused).
 */
export class ResilientHttpClient {
  private readonly pool: Pool;
  private readonly http: AxiosInstance;
  /** The base URL's path (e.g. `/proxyhat/v1`), put in front of every request path. */
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly circuit: CircuitBreakerPolicy;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly hooks: ResilienceHooks;
  private closed = false;

  constructor(private readonly config: ResilientHttpClientConfig) {
    const { options } = config;
    this.hooks = options.hooks ?? {};
    const base = new URL(config.baseUrl);
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', ...lowerCaseKeys(config.defaultHeaders) };
    // undici's pool: keep-alive connections to the provider's origin only (redirects are never
    // followed, so the key never reaches another host). The cockatiel timeout below fires
    // first; the pool's own timeouts are a backstop for a stuck socket.
    this.pool = new Pool(base.origin, {
      connections: options.maxSockets,
      headersTimeout: options.timeoutMs + 1_000,
      bodyTimeout: options.timeoutMs + 1_000,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
    });
    // Statuses are judged by send() (HttpStatusError), bodies parsed by parseBody, and redirects
    // never followed (the pool only knows the provider's origin): axios adds nothing of its own.
    this.http = axios.create({
      adapter: undiciPoolAdapter(this.pool),
      transformRequest: [],
      transformResponse: [],
      validateStatus: () => true,
      maxRedirects: 0,
    });
    this.circuit = circuitBreaker(handleWhen(countsAgainstCircuit), {
      halfOpenAfter: options.circuit.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.circuit.threshold),
    });
    this.circuit.onStateChange((state) =>
      this.emit('onCircuitStateChange', {
        provider: config.provider,
        accountId: config.accountId,
        state: CIRCUIT_STATE_NAMES[state],
      }),
    );
  }

  circuitState(): CircuitStateName {
    return CIRCUIT_STATE_NAMES[this.circuit.state];
  }

  async request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    if (this.closed) throw new Error(`driver for account ${this.config.accountId} is closed`);
    const call = this.execute<T>(request);
    this.inFlight.add(call);
    try {
      return await call;
    } finally {
      this.inFlight.delete(call);
    }
  }

  /** Waits up to one timeout for calls in flight, then frees the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.config.options.timeoutMs);
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
      clearTimeout(timer);
    }
    await this.pool.destroy();
  }

  private async execute<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const { provider, accountId, options } = this.config;
    const context = { provider, accountId, operation: request.operation };
    const startedAt = performance.now();
    const resendable = IDEMPOTENT_METHODS.has(request.method);
    let attempts = 0;
    let waitedMs = 0;
    let nextDelayMs = 0;

    // Built per call: the wait budget belongs to this call. The breaker and timeout are shared.
    const retryPolicy = retry(
      handleWhen((error) => {
        if (!(error instanceof UpstreamFailure) || !isRetryable(error, resendable)) return false;
        // A provider asking for a longer wait than the cap is answered at once (429 with its
        // Retry-After): resending after the cap would only be refused again.
        const retryAfter = error.details.retryAfterSeconds;
        if (retryAfter !== undefined && retryAfter * 1000 > options.retry.retryAfterCapMs) return false;
        const delayMs = retryDelayMs(error, attempts, options.retry);
        if (waitedMs + delayMs > options.retry.maxTotalWaitMs) return false;
        nextDelayMs = delayMs;
        return true;
      }),
      {
        maxAttempts: Math.max(0, options.retry.maxAttempts - 1),
        backoff: new DelegateBackoff(() => nextDelayMs),
      },
    );
    retryPolicy.onRetry(({ delay, attempt, ...reason }) => {
      waitedMs += delay;
      const failure = 'error' in reason ? reason.error : undefined;
      this.emit('onRetry', {
        ...context,
        attempt,
        delayMs: delay,
        reason: failure instanceof UpstreamFailure ? failure.details.reason : 'unknown',
      });
    });

    let lastStatus: number | undefined;
    try {
      const response = await retryPolicy.execute(() =>
        this.circuit.execute(() => {
          const queuedAt = performance.now();
          return this.config.limiter.schedule(request.priority ?? 'user', async () => {
            const waited = performance.now() - queuedAt;
            if (waited >= 5) this.emit('onRateLimitWait', { ...context, waitedMs: Math.round(waited) });
            attempts += 1;
            try {
              // The attempt's timeout: undici aborts the call when the signal fires (a
              // TimeoutError). Cheaper than a timeout policy that aborts a controller per call.
              return await this.send<T>(request, AbortSignal.timeout(options.timeoutMs));
            } catch (error) {
              const failure = classifyFailure(error, request.operation);
              lastStatus = failure.status;
              if (
                attempts > 1 &&
                failure.status !== undefined &&
                request.successStatusesOnRetry?.includes(failure.status)
              ) {
                return { status: failure.status, data: null as T, headers: {} };
              }
              throw failure;
            }
          });
        }),
      );
      this.emitCall(request, 'ok', response.status, attempts, startedAt);
      return { status: response.status, data: response.data, requestId: requestIdFrom(response.headers) };
    } catch (error) {
      const failure =
        error instanceof BrokenCircuitError
          ? new UpstreamFailure('circuit-open', request.operation, { reason: 'circuit open' })
          : error instanceof UpstreamFailure
            ? error
            : undefined;
      if (!failure) throw error;
      const translated = redactSecrets(this.config.translateError(failure), request.secrets);
      this.emitCall(request, translated.code, lastStatus, attempts, startedAt);
      throw translated;
    }
  }

  private async send<T>(request: UpstreamRequest, signal: AbortSignal): Promise<RawResponse<T>> {
    const params = Object.entries(request.params ?? {}).map(([key, value]): [string, string] => [
      key,
      String(value),
    ]);
    const query = params.length > 0 ? `?${new URLSearchParams(params)}` : '';
    const hasBody = request.data !== undefined;
    const config: AttemptConfig = {
      method: request.method,
      url: `${this.basePath}${request.path}${query}`,
      headers: {
        ...this.headers,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...lowerCaseKeys(request.headers ?? {}),
      },
      ...(hasBody ? { data: JSON.stringify(request.data) } : {}),
      attemptSignal: signal,
    };
    const response = await this.http.request<string>(config);
    const headers = response.headers as RawResponse<T>['headers'];
    const data = parseBody(response.data, headers['content-type']) as T;
    if (response.status < 200 || response.status >= 300) {
      throw new HttpStatusError(response.status, data, headers);
    }
    return { status: response.status, data, headers };
  }

  private emitCall(
    request: UpstreamRequest,
    outcome: 'ok' | ProviderError['code'],
    status: number | undefined,
    attempts: number,
    startedAt: number,
  ): void {
    this.emit('onCall', {
      provider: this.config.provider,
      accountId: this.config.accountId,
      operation: request.operation,
      method: request.method,
      outcome,
      ...(status !== undefined ? { status } : {}),
      attempts,
      durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
    });
  }

  private emit<K extends keyof ResilienceHooks>(
    hook: K,
    event: Parameters<NonNullable<ResilienceHooks[K]>>[0],
  ): void {
    const handler = this.hooks[hook] as ((event: unknown) => void) | undefined;
    if (!handler) return;
    try {
      handler(event);
    } catch {
      // A metrics or logging hook must never break a provider call.
    }
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** JSON when the provider says so (or it looks like JSON); the raw text otherwise; null when empty. */
function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (text.length === 0) return null;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if ((type ?? '').includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** 5xx answers and failures to get any answer count; 4xx answers (429 included) are the provider working. */
function countsAgainstCircuit(error: unknown): boolean {
  if (!(error instanceof UpstreamFailure)) return false;
  if (error.kind === 'http') return (error.status ?? 0) >= 500;
  return error.kind === 'timeout' || error.kind === 'dropped' || error.kind === 'not-sent';
}

function isRetryable(failure: UpstreamFailure, resendable: boolean): boolean {
  if (failure.kind === 'circuit-open') return false;
  // The provider certainly did not act on these: any method may be resent.
  if (failure.kind === 'not-sent') return true;
  if (failure.kind === 'http' && failure.status === 429) return true;
  if (!resendable) return false;
  if (failure.kind === 'timeout' || failure.kind === 'dropped') return true;
  const status = failure.status ?? 0;
  return status === 408 || status >= 500;
}

/** `Retry-After` when the provider sent one (capped), else exponential backoff with half jitter. */
export function retryDelayMs(
  failure: UpstreamFailure,
  attemptsSoFar: number,
  retryOptions: DriverOptions['retry'],
  random: () => number = Math.random,
): number {
  const retryAfter = failure.details.retryAfterSeconds;
  if (retryAfter !== undefined) return Math.min(retryAfter * 1000, retryOptions.retryAfterCapMs);
  const exponential = Math.min(
    retryOptions.maxDelayMs,
    retryOptions.baseDelayMs * 2 ** Math.max(0, attemptsSoFar - 1),
  );
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
