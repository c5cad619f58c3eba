import { Injectable } from '@nestjs/common';
import { GatewayError, type ProviderName, type SubUserSuspension } from '@app/domain';
import { Ledger, TenantRepository } from '@app/persistence';
import { ProviderRegistry } from '@app/providers';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';
import { updateInputFor } from '../../provider-input';
import { actorOf, failureOf } from '../../request-meta';
import { SubUserAccess } from '../../sub-user-access';
import { etagOf, toSubUserDto } from '../../sub-user.view';
import type { SubUserResult } from '../query-sub-users/get-sub-user.use-case';
import type { ChangeSubUserCommand } from './change-sub-user.command';

/** PATCH semantics for metadata: merged key by key, a key set to null is removed. */
export function mergeMetadata(
  current: Record<string, string>,
  patch: Record<string, string | null> | undefined,
): Record<string, string> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/**
 * Changes a sub-user: validated and split (provider fields, gateway-kept fields) before anything
 * is sent, then one claimed change at a time at the provider, recorded by the ledger.
 */
@Injectable()
export class ChangeSubUser {
  constructor(
    private readonly ledger: Ledger,
    private readonly access: SubUserAccess,
    private readonly accounts: ProviderAccountsService,
    private readonly registry: ProviderRegistry,
    private readonly tenants: TenantRepository,
  ) {}

  async execute({ id, dto, ifMatch, meta }: ChangeSubUserCommand): Promise<SubUserResult> {
    const before = await this.access.findOwned(id, meta.auth);
    this.access.assertIfMatch(before, ifMatch);
    this.access.assertChangeable(before);
    const provider = before.provider as ProviderName;
    const { input, gatewayNotes, gatewayName } = updateInputFor(
      provider,
      this.registry.describe(provider),
      dto,
    );
    if (dto.tenantId !== undefined) await this.assertTenantMove(dto.tenantId, meta.auth.isAdmin);
    // A new limit, or a move to another tenant, is checked against the (new) tenant's budget and
    // reserved as the change is claimed: changes in flight at once (a bulk update's items, two
    // PATCHes, a create beside a move) cannot together pass it.
    const movesIn = dto.tenantId !== undefined && dto.tenantId !== before.tenantId;
    const reserve =
      input.trafficLimitBytes === undefined && !movesIn
        ? undefined
        : {
            tenantId: dto.tenantId ?? before.tenantId,
            ...(input.trafficLimitBytes !== undefined ? { limitBytes: input.trafficLimitBytes } : {}),
            movesIn,
          };
    const claimed = await this.access.claim(id, meta.auth, ifMatch, before, reserve);
    const { record, claimId } = claimed;
    // Suspended by the gateway: the provider keeps the lowered limit; the new one is what resume
    // gives back. Decided on the claimed record: a suspend recorded since the read counts.
    let suspension: SubUserSuspension | undefined;
    if (record.status === 'suspended' && record.suspension && input.trafficLimitBytes !== undefined) {
      suspension = {
        ...(record.suspension as unknown as SubUserSuspension),
        resumeLimitBytes: input.trafficLimitBytes,
      };
      delete input.trafficLimitBytes;
    }
    let current;
    if (Object.keys(input).length > 0) {
      try {
        const { driver } = await this.accounts.resolve(record.providerAccountId);
        current = await driver.update(record.providerSubUserId!, input, { priority: 'user' });
      } catch (error) {
        await this.ledger.recordFailure({
          id,
          tenantId: record.tenantId,
          action: 'sub-user.updated',
          failure: failureOf(error),
          request: { ...dto },
          actor: actorOf(meta),
          claimId,
        });
        throw error;
      }
    }
    // A rename the provider applied leaves the record with the name the provider now holds, none
    // included (ProxyHat strips whitespace: a name of only spaces leaves it without one); a report
    // without a name otherwise keeps the recorded one.
    const recordName =
      gatewayName !== undefined
        ? gatewayName
        : input.name !== undefined && current
          ? current.name
          : undefined;
    const after = await this.ledger.recordUpdate({
      id,
      claimId,
      claimed,
      ...(current ? { subUser: current } : {}),
      metadata: mergeMetadata(record.metadata as Record<string, string>, dto.metadata),
      ...(gatewayNotes !== undefined ? { gatewayNotes } : {}),
      ...(recordName !== undefined ? { gatewayName: recordName } : {}),
      ...(dto.tenantId !== undefined ? { tenantId: dto.tenantId } : {}),
      ...(suspension ? { suspension } : {}),
      request: { ...dto },
      actor: actorOf(meta),
    });
    if (!after) throw new GatewayError('CONFLICT', `Sub-user ${id} was deleted while it was being changed`);
    return { subUser: toSubUserDto(after), etag: etagOf(after) };
  }

  /** Moving a sub-user to another tenant is an admin's decision (e.g. after an ambiguous create). */
  private async assertTenantMove(tenantId: string, isAdmin: boolean): Promise<void> {
    if (!isAdmin)
      throw new GatewayError('FORBIDDEN', 'Only admin keys may move a sub-user to another tenant');
    if (!(await this.tenants.findById(tenantId))) {
      throw new GatewayError('VALIDATION_FAILED', `tenantId: no tenant ${tenantId}`, {
        fieldErrors: [{ field: 'tenantId', message: 'no such tenant' }],
      });
    }
  }
}
