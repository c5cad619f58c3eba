import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { type IdempotencyScope, IdempotencyRepository, type StoredAnswer, type Tx } from '@app/persistence';
import { SecretBox } from '../crypto/secret-box';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A running request renews its claim every LEASE_RENEW_MS; a claim not renewed for LEASE_MS
 * belongs to a request that died (a crash, a lost database) and a retry may take it over.
 */
export const LEASE_MS = 10_000;
export const LEASE_RENEW_MS = 3_000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

export type IdempotencyStart =
  { kind: 'run'; recordId: string } | { kind: 'replay'; status: number; body: unknown };

/**
 * A running request's claim, for a handler that stores its answer with its own write (one round
 * trip less): `storedForm` gives the answer as it is stored (sealed when the route says so), and
 * `answered` set true tells the interceptor the answer is stored.
 */
export interface IdempotencySlot {
  readonly recordId: string;
  answered: boolean;
  storedForm(body: unknown): StoredAnswer;
}

/**
 * Stores a request's answer with the handler's own writes, in its transaction: a crash between the
 * write and the stored answer would let a retry make the thing twice (a second endpoint, key or
 * job). Call `answered(slot)` once the transaction has committed.
 */
export async function answerWithin(
  records: IdempotencyRepository,
  slot: IdempotencySlot | undefined,
  body: unknown,
  tx: Tx,
): Promise<void> {
  if (!slot) return;
  // The claim was taken over (this request outlived its lease): another attempt is making the same
  // thing, so this one's writes are rolled back and the caller retries into that attempt's answer.
  if (!(await records.complete(slot.recordId, slot.storedForm(body), tx)))
    throw new GatewayError(
      'IDEMPOTENCY_IN_PROGRESS',
      'A retry with this Idempotency-Key took this request over; retry shortly',
    );
}

/** The answer stored by {@link answerWithin} is committed: the interceptor has nothing to store. */
export function answered(slot: IdempotencySlot | undefined): void {
  if (slot) slot.answered = true;
}

/** Checks an Idempotency-Key header value; throws 422 VALIDATION_FAILED when it is unusable. */
export function parseIdempotencyKey(header: string | string[]): string {
  const value = Array.isArray(header) ? (header.length === 1 ? header[0] : '') : header;
  if (!KEY_PATTERN.test(value)) {
    const message = 'must be 1 to 255 printable ASCII characters';
    throw new GatewayError('VALIDATION_FAILED', `Idempotency-Key: ${message}`, {
      fieldErrors: [{ field: 'Idempotency-Key', message }],
    });
  }
  return value;
}

@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly box: SecretBox,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  /**
   * Claims the key for this request (the unique constraint decides between concurrent
   * requests), or gives the stored answer to replay; throws the 409s.
   */
  async begin(scope: IdempotencyScope, hash: string, sealResponse: boolean): Promise<IdempotencyStart> {
    if (sealResponse && !this.box.canSeal) {
      // Refuse before acting: an answer holding a secret must not be stored in clear.
      throw new GatewayError('INTERNAL', 'Idempotent answers with secrets need ENCRYPTION_KEYS');
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      const claim = {
        id: randomUUID(),
        requestHash: hash,
        expiresAt: new Date(now + IDEMPOTENCY_TTL_MS),
        leaseExpiresAt: new Date(now + LEASE_MS),
      };
      if (await this.records.tryStart({ ...scope, ...claim })) return { kind: 'run', recordId: claim.id };

      const existing = await this.records.find(scope);
      if (!existing) continue; // removed in between: claim it again
      const abandoned = existing.state === 'in_progress' && (existing.leaseExpiresAt?.getTime() ?? 0) < now;
      if (existing.expiresAt.getTime() <= now || abandoned) {
        if (await this.records.takeOver(existing.id, new Date(now), { ...claim, apiKeyId: scope.apiKeyId })) {
          return { kind: 'run', recordId: claim.id };
        }
        continue;
      }
      if (existing.requestHash !== hash) {
        throw new GatewayError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was already used with a different request body',
        );
      }
      if (existing.state !== 'completed' || existing.responseStatus === null) {
        throw new GatewayError(
          'IDEMPOTENCY_IN_PROGRESS',
          'A request with this Idempotency-Key is still running; retry later',
        );
      }
      return { kind: 'replay', status: existing.responseStatus, body: this.readBody(existing) };
    }
    throw new GatewayError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running');
  }

  /** Keeps a running request's claim alive until `stop` is called. */
  keepAlive(recordId: string): () => void {
    const timer = setInterval(() => {
      this.records.renew(recordId, new Date(Date.now() + LEASE_MS)).catch((error: unknown) => {
        this.logger.warn(`Could not renew an idempotency claim: ${(error as Error).message}`);
      });
    }, LEASE_RENEW_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** An answer as it is stored: JSON, sealed when it holds a secret. */
  storedForm(status: number, body: unknown, sealResponse: boolean): StoredAnswer {
    const text = body === undefined ? null : JSON.stringify(body);
    if (text === null || !sealResponse) return { status, body: text, sealed: false };
    const { ciphertext, keyId } = this.box.seal(text);
    return { status, body: JSON.stringify({ keyId, ciphertext }), sealed: true };
  }

  /** Stores the answer to replay. A failure is logged: the caller still gets its answer. */
  async complete(recordId: string, status: number, body: unknown, sealResponse: boolean): Promise<void> {
    try {
      const stored = this.storedForm(status, body, sealResponse);
      await this.records.complete(recordId, { status, body: stored.body, sealed: stored.sealed });
    } catch (error) {
      this.logger.error(`Could not store an idempotent answer: ${(error as Error).message}`);
    }
  }

  /** Forgets the claim so a retry runs again (5xx, provider unavailable). */
  async abandon(recordId: string): Promise<void> {
    try {
      await this.records.remove(recordId);
    } catch (error) {
      this.logger.error(`Could not release an idempotency key: ${(error as Error).message}`);
    }
  }

  async purgeExpired(): Promise<number> {
    try {
      return await this.records.purgeExpired(new Date());
    } catch (error) {
      this.logger.warn(`Could not purge expired idempotency records: ${(error as Error).message}`);
      return 0;
    }
  }

  private readBody(record: { responseBody: string | null; responseSealed: boolean }): unknown {
    if (record.responseBody === null) return undefined;
    if (!record.responseSealed) return JSON.parse(record.responseBody);
    const { keyId, ciphertext } = JSON.parse(record.responseBody) as { keyId: string; ciphertext: string };
    return JSON.parse(this.box.open(ciphertext, keyId));
  }
}
