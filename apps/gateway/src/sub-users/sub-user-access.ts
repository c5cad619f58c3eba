import { Inject, Injectable } from '@nestjs/common';
import { GatewayError } from '@app/domain';
import {
  type ChangeClaim,
  type ClaimOptions,
  Ledger,
  SubUserMappingRepository,
  type SubUserRecord,
} from '@app/persistence';
import { type AuthContext, canAccessTenant } from '../access/auth-context';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { etagOf } from './sub-user.view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The version an If-Match header names, or null when it names none (`*`, absent). */
export function versionOf(ifMatch: string | undefined): number | null | 'unmatched' {
  if (ifMatch === undefined || ifMatch.trim() === '*') return null;
  const versions = ifMatch
    .split(',')
    .map((tag) => /^(?:W\/)?"v(\d{1,9})"$/.exec(tag.trim())?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number);
  // Several tags: the current one must be among them; the claim checks the newest one named.
  return versions.length === 0 ? 'unmatched' : Math.max(...versions);
}

/**
 * Who may see and change a sub-user: tenancy (another tenant's sub-user is 404, never 403),
 * ETags, and the one-change-at-a-time claim every provider-side change takes first.
 */
@Injectable()
export class SubUserAccess {
  private readonly claimTtlMs: number;

  constructor(
    private readonly mappings: SubUserMappingRepository,
    private readonly ledger: Ledger,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    // Long enough for the provider call with its retries; a claim of a process that died expires.
    this.claimTtlMs = config.providers.upstreamTimeoutMs * 3 + 5_000;
  }

  /** The record, if the caller may see it. `cached`: the hot read path (at most 1 s old). */
  async findOwned(id: string, auth: AuthContext, cached = false): Promise<SubUserRecord> {
    const record = !UUID.test(id)
      ? null
      : cached
        ? await this.mappings.findByIdCached(id)
        : await this.mappings.findById(id);
    if (!record || !canAccessTenant(auth, record.tenantId))
      throw new GatewayError('NOT_FOUND', `No sub-user ${id}`);
    return record;
  }

  /** 412 unless the If-Match header names the record's current ETag. */
  assertIfMatch(record: SubUserRecord, ifMatch: string | undefined): void {
    const wanted = versionOf(ifMatch);
    if (wanted === null || wanted === record.version) return;
    throw new GatewayError(
      'PRECONDITION_FAILED',
      `If-Match ${ifMatch} does not match the current ETag ${etagOf(record)}`,
    );
  }

  /**
   * Takes the right to change the sub-user at its provider. With If-Match, exactly one of several
   * callers naming the same ETag gets it (the others: 412); without, a change already in flight
   * answers 409 so that two writes never interleave at the provider.
   */
  async claim(
    id: string,
    auth: AuthContext,
    ifMatch: string | undefined,
    /** The record as the caller just read it with findOwned (saves reading it again). */
    read?: SubUserRecord,
    /** A traffic limit the change sets, a move to another tenant: reserved against its budget. */
    reserve?: ClaimOptions['reserve'],
  ): Promise<ChangeClaim> {
    const current = read ?? (await this.findOwned(id, auth));
    this.assertIfMatch(current, ifMatch);
    const wanted = versionOf(ifMatch);
    const expectedVersion = typeof wanted === 'number' ? wanted : undefined;
    const outcome = await this.ledger.claimChange(id, { expectedVersion, ttlMs: this.claimTtlMs, reserve });
    if (typeof outcome !== 'string') return outcome;
    switch (outcome) {
      case 'not-found':
        throw new GatewayError('NOT_FOUND', `No sub-user ${id}`);
      case 'being-created':
        throw new GatewayError('CONFLICT', `Sub-user ${id} is still being created; try again shortly`);
      case 'final': {
        const latest = await this.mappings.findById(id);
        throw new GatewayError('CONFLICT', `Sub-user ${id} is ${latest?.status ?? 'deleted'}`);
      }
      case 'precondition-failed':
      case 'busy':
        if (wanted !== null) {
          throw new GatewayError(
            'PRECONDITION_FAILED',
            `If-Match ${ifMatch}: another change to sub-user ${id} was made or is being made`,
          );
        }
        throw new GatewayError(
          'CONFLICT',
          `Another change to sub-user ${id} is in progress; retry when it has finished`,
          { extras: { retryAfterSeconds: 1 } },
        );
    }
  }

  /** 409 for a record that cannot be changed (still being created, deleting, deleted). */
  assertChangeable(record: SubUserRecord): void {
    if (record.lifecycle === 'intent') {
      throw new GatewayError('CONFLICT', `Sub-user ${record.id} is still being created; try again shortly`);
    }
    if (record.lifecycle === 'deleted' || record.status === 'deleted' || record.status === 'deleting') {
      throw new GatewayError('CONFLICT', `Sub-user ${record.id} is ${record.status}`);
    }
  }
}
