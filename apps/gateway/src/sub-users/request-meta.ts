import { ProviderError, isGatewayError } from '@app/domain';
import type { Actor, FailureNote } from '@app/persistence';
import type { AuthContext } from '../access/auth-context';
import type { IdempotencySlot } from '../idempotency/idempotency.service';

/** Who asks, and under which request: what every use case needs besides its command. */
export interface RequestMeta {
  auth: AuthContext;
  requestId: string;
  /** The request's Idempotency-Key, if any: a create remembers it on its intent. */
  idempotencyKey?: string;
  /** The request's running Idempotency-Key claim: a create stores its answer with its completion. */
  idempotency?: IdempotencySlot;
}

export function actorOf(meta: { auth: AuthContext | null; requestId: string | null }): Actor {
  // The gateway acting on its own (a job) has no key: an empty key id.
  return { keyId: meta.auth?.keyId || null, requestId: meta.requestId };
}

/** A failed provider call as the audit log keeps it: the code and the provider's request id. */
export function failureOf(error: unknown): FailureNote {
  return {
    code: isGatewayError(error) ? error.code : 'INTERNAL',
    providerRequestId: error instanceof ProviderError ? (error.providerRequestId ?? null) : null,
  };
}

/**
 * The failures after which the provider certainly did nothing: it answered with a refusal, or
 * the call never left the gateway. Anything else (timeout, 5xx, dropped connection) may have
 * been carried out: a create's intent stays open for the sync, a suspend reads the sub-user back.
 */
export function certainlyNotProcessed(error: unknown): boolean {
  if (!isGatewayError(error)) return false;
  if (error instanceof ProviderError) {
    if (error.reachedProvider === 'no') return true;
    return [
      'PROVIDER_REJECTED',
      'PROVIDER_AUTH_FAILED',
      'PROVIDER_NOT_FOUND',
      'PROVIDER_RATE_LIMITED',
    ].includes(error.code);
  }
  return true;
}
