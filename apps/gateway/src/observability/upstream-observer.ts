import { Injectable, Logger } from '@nestjs/common';
import {
  CallEvent,
  CircuitStateChangeEvent,
  CircuitStateName,
  RateLimitWaitEvent,
  ResilienceHooks,
  RetryEvent,
} from '@app/providers';
import { MetricsService } from './metrics.service';

export interface AccountHealth {
  circuit: CircuitStateName;
  lastError: { code: string; status?: number; at: string } | null;
  lastSuccessAt: string | null;
}

/**
 * A change of an account's state worth announcing: the first refused key of a failing streak
 * (the streak ends with a successful call), a circuit opening, and closing again after that.
 */
export interface AccountSignal {
  kind: 'auth-failed' | 'circuit-opened' | 'circuit-closed';
  provider: string;
  accountId: string;
}

/**
 * Watches every provider call through the drivers' hooks: metrics, one log line per call, and
 * the per-account state that readiness reports (circuit, last error).
 */
@Injectable()
export class UpstreamObserver {
  private readonly logger = new Logger('Upstream');
  private readonly accounts = new Map<string, AccountHealth>();
  // What this process has announced per account, so each streak is announced once.
  private readonly announced = new Map<string, { authFailing: boolean; circuitOpen: boolean }>();
  private readonly listeners: ((signal: AccountSignal) => void)[] = [];

  constructor(private readonly metrics: MetricsService) {}

  readonly hooks: ResilienceHooks = {
    onCall: (event) => this.onCall(event),
    onRetry: (event) => this.onRetry(event),
    onCircuitStateChange: (event) => this.onCircuitStateChange(event),
    onRateLimitWait: (event) => this.onRateLimitWait(event),
  };

  health(accountId: string): AccountHealth {
    return this.accounts.get(accountId) ?? { circuit: 'closed', lastError: null, lastSuccessAt: null };
  }

  /** `listener` hears every AccountSignal (the events module announces them). */
  onAccountSignal(listener: (signal: AccountSignal) => void): void {
    this.listeners.push(listener);
  }

  private signal(signal: AccountSignal): void {
    // A hook may not throw into the provider call it observes.
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch (error) {
        this.logger.error(`Announcing ${signal.kind} failed: ${(error as Error).message}`);
      }
    }
  }

  private announcedFor(accountId: string): { authFailing: boolean; circuitOpen: boolean } {
    let state = this.announced.get(accountId);
    if (!state) {
      state = { authFailing: false, circuitOpen: false };
      this.announced.set(accountId, state);
    }
    return state;
  }

  /** Any account seen by this process has a circuit that is not closed. */
  anyDegraded(): boolean {
    return [...this.accounts.values()].some((health) => health.circuit !== 'closed');
  }

  private entry(accountId: string): AccountHealth {
    let health = this.accounts.get(accountId);
    if (!health) {
      health = { circuit: 'closed', lastError: null, lastSuccessAt: null };
      this.accounts.set(accountId, health);
    }
    return health;
  }

  private onCall(event: CallEvent): void {
    this.metrics.upstreamDuration.observe(
      { provider: event.provider, operation: event.operation, outcome: event.outcome },
      event.durationMs / 1000,
    );
    const health = this.entry(event.accountId);
    const at = new Date().toISOString();
    const announced = this.announcedFor(event.accountId);
    if (event.outcome === 'ok') announced.authFailing = false;
    else if (event.outcome === 'PROVIDER_AUTH_FAILED' && !announced.authFailing) {
      announced.authFailing = true;
      this.signal({ kind: 'auth-failed', provider: event.provider, accountId: event.accountId });
    }
    if (event.outcome === 'ok') health.lastSuccessAt = at;
    else if (!['PROVIDER_NOT_FOUND', 'PROVIDER_REJECTED'].includes(event.outcome)) {
      // A refusal of the content is the caller's business; these say the provider is unwell.
      health.lastError = {
        code: event.outcome,
        ...(event.status !== undefined ? { status: event.status } : {}),
        at,
      };
    }
    const line = {
      provider: event.provider,
      accountId: event.accountId,
      operation: event.operation,
      method: event.method,
      status: event.status,
      outcome: event.outcome,
      attempts: event.attempts,
      durationMs: Math.round(event.durationMs * 100) / 100,
    };
    if (event.outcome === 'ok') this.logger.debug(line, 'upstream call');
    else this.logger.warn(line, 'upstream call failed');
  }

  private onRetry(event: RetryEvent): void {
    this.metrics.upstreamRetries.inc({ provider: event.provider, operation: event.operation });
  }

  private onCircuitStateChange(event: CircuitStateChangeEvent): void {
    this.entry(event.accountId).circuit = event.state;
    this.metrics.setCircuitState(event.provider, event.accountId, event.state);
    // Half-open → open again while an outage lasts is the same outage: announced once.
    const announced = this.announcedFor(event.accountId);
    if (event.state === 'open' && !announced.circuitOpen) {
      announced.circuitOpen = true;
      this.signal({ kind: 'circuit-opened', provider: event.provider, accountId: event.accountId });
    } else if (event.state === 'closed' && announced.circuitOpen) {
      announced.circuitOpen = false;
      this.signal({ kind: 'circuit-closed', provider: event.provider, accountId: event.accountId });
    }
    this.logger.warn(
      { provider: event.provider, accountId: event.accountId, state: event.state },
      'circuit state changed',
    );
  }

  private onRateLimitWait(event: RateLimitWaitEvent): void {
    this.metrics.rateLimitWait.observe({ provider: event.provider }, event.waitedMs / 1000);
  }
}
