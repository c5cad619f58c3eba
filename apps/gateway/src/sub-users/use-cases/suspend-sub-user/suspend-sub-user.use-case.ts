import { Injectable } from '@nestjs/common';
import {
  GatewayError,
  type ProviderName,
  type ProviderSubUser,
  type SubUserSuspension,
  UnsupportedByProviderError,
  storedSnapshot,
} from '@app/domain';
import { Ledger, type SubUserRecord } from '@app/persistence';
import { type ProviderDriver, ProviderRegistry } from '@app/providers';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';
import { type RequestMeta, actorOf, certainlyNotProcessed, failureOf } from '../../request-meta';
import { SubUserAccess } from '../../sub-user-access';
import { etagOf, toSubUserDto } from '../../sub-user.view';
import type { SubUserResult } from '../query-sub-users/get-sub-user.use-case';

/**
 * The limit resume gives back: the provider's current one, unless that is already lowered to
 * what is used while the gateway recorded another. That is the mark of a suspend whose answer was
 * lost (the provider lowered it, the gateway never heard): giving back the lowered limit would
 * leave the sub-user suspended for good, so the limit the gateway last recorded is given back.
 */
export function limitToGiveBack(record: SubUserRecord, current: ProviderSubUser): number | null {
  const providerLimit = current.traffic.limitBytes;
  const recorded = storedSnapshot(record)?.traffic.limitBytes;
  const lowered = providerLimit !== null && providerLimit <= Math.max(current.traffic.usedBytes ?? 0, 1);
  return lowered && recorded !== undefined && recorded !== providerLimit ? recorded : providerLimit;
}

/**
 * Suspend (no more traffic) and resume. No provider has a switch, so the gateway emulates it
 * honestly: the provider-side limit (or prepaid allocation) is lowered to what is already used,
 * and the limit it had is given back on resume. Both are idempotent.
 */
@Injectable()
export class SuspendSubUser {
  constructor(
    private readonly ledger: Ledger,
    private readonly access: SubUserAccess,
    private readonly accounts: ProviderAccountsService,
    private readonly registry: ProviderRegistry,
  ) {}

  async suspend(id: string, meta: RequestMeta): Promise<SubUserResult> {
    const found = await this.access.findOwned(id, meta.auth);
    if (found.status === 'suspended') return this.result(found);
    this.access.assertChangeable(found);
    const mode = this.modeOf(found);
    const { record, claimId } = await this.access.claim(id, meta.auth, undefined);
    // A suspend recorded between the read and the claim: this one is done too.
    if (record.status === 'suspended') {
      await this.ledger.releaseChange(id, claimId);
      return this.result(record);
    }
    const { driver } = await this.accounts.resolve(record.providerAccountId);
    try {
      const { answer, resumeLimitBytes } = await this.lowerToUsed(driver, record);
      const suspension: SubUserSuspension = { since: new Date().toISOString(), mode, resumeLimitBytes };
      return this.recorded(
        await this.ledger.recordSuspension({
          id,
          claimId,
          subUser: answer,
          suspension,
          actor: actorOf(meta),
        }),
        id,
      );
    } catch (error) {
      await this.fail(record, 'sub-user.suspended', error, claimId, meta);
      throw error;
    }
  }

  async resume(id: string, meta: RequestMeta): Promise<SubUserResult> {
    const found = await this.access.findOwned(id, meta.auth);
    if (found.status !== 'suspended') {
      this.access.assertChangeable(found);
      return this.result(found);
    }
    this.assertSuspendedByGateway(found);
    const { record, claimId } = await this.access.claim(id, meta.auth, undefined);
    // Decided again on the claimed record: a resume recorded between the read and the claim
    // leaves nothing to give back (and its limit must not be replaced by "unlimited").
    const suspension = record.suspension as unknown as SubUserSuspension | null;
    if (record.status !== 'suspended' || !suspension) {
      await this.ledger.releaseChange(id, claimId);
      if (record.status === 'suspended') this.assertSuspendedByGateway(record);
      return this.result(record);
    }
    const { driver } = await this.accounts.resolve(record.providerAccountId);
    try {
      const answer = await driver.update(
        record.providerSubUserId!,
        { trafficLimitBytes: suspension.resumeLimitBytes },
        { priority: 'user' },
      );
      return this.recorded(
        await this.ledger.recordSuspension({
          id,
          claimId,
          subUser: answer,
          suspension: null,
          actor: actorOf(meta),
        }),
        id,
      );
    } catch (error) {
      await this.fail(record, 'sub-user.resumed', error, claimId, meta);
      throw error;
    }
  }

  /**
   * A sub-user its provider suspended (ProxyHat's `suspended_at`) has no limit of the gateway's to
   * give back: resuming it is the provider's decision (409), never a change to "unlimited".
   */
  private assertSuspendedByGateway(record: SubUserRecord): void {
    if (!record.suspension)
      throw new GatewayError(
        'CONFLICT',
        `Sub-user ${record.id} was suspended by its provider, not by the gateway: only the provider can lift it`,
      );
  }

  /** Emulated suspension per the provider's capabilities; 422 where it cannot be done honestly. */
  private modeOf(record: SubUserRecord): SubUserSuspension['mode'] {
    const provider = record.provider as ProviderName;
    const mode = this.registry.capabilities(provider).suspend;
    if (mode === 'unsupported') throw new UnsupportedByProviderError(provider, 'suspend');
    return mode;
  }

  /**
   * Lowers the limit to what the provider counts as used now (read just before). A provider that
   * reads 0 as unlimited gets one byte; a prepaid allocation may be 0. Usage can grow between the
   * read and the write: a refusal for a limit below what is used is read again and retried once.
   */
  private async lowerToUsed(
    driver: ProviderDriver,
    record: SubUserRecord,
  ): Promise<{ answer: ProviderSubUser; resumeLimitBytes: number | null }> {
    const providerId = record.providerSubUserId!;
    const allocation = driver.capabilities.trafficModel === 'allocation';
    for (let attempt = 0; ; attempt += 1) {
      const current = await driver.get(providerId, { priority: 'user' });
      const used = current.traffic.usedBytes ?? 0;
      const target = allocation ? used : Math.max(used, 1);
      const resumeLimitBytes = limitToGiveBack(record, current);
      try {
        const answer = await driver.update(providerId, { trafficLimitBytes: target }, { priority: 'user' });
        return { answer, resumeLimitBytes };
      } catch (error) {
        // An answer lost on its way back: the sub-user read back says whether the limit was lowered.
        if (!certainlyNotProcessed(error)) {
          const after = await driver.get(providerId, { priority: 'user' }).catch(() => null);
          if (after?.traffic.limitBytes === target) return { answer: after, resumeLimitBytes };
        }
        if (attempt > 0 || !(error instanceof GatewayError) || error.code !== 'VALIDATION_FAILED')
          throw error;
      }
    }
  }

  private recorded(record: SubUserRecord | null, id: string): SubUserResult {
    if (!record)
      throw new GatewayError(
        'CONFLICT',
        `Sub-user ${id} was deleted while it was being suspended or resumed`,
      );
    return this.result(record);
  }

  private result(record: SubUserRecord): SubUserResult {
    return { subUser: toSubUserDto(record), etag: etagOf(record) };
  }

  private fail(record: SubUserRecord, action: string, error: unknown, claimId: string, meta: RequestMeta) {
    return this.ledger.recordFailure({
      id: record.id,
      tenantId: record.tenantId,
      action,
      failure: failureOf(error),
      actor: actorOf(meta),
      claimId,
    });
  }
}
