import { Injectable } from '@nestjs/common';
import { GatewayError, isGatewayError, storedSnapshot } from '@app/domain';
import { Ledger } from '@app/persistence';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';
import { type RequestMeta, actorOf, failureOf } from '../../request-meta';
import { SubUserAccess } from '../../sub-user-access';
import { etagOf, toSubUserDto } from '../../sub-user.view';
import type { SubUserResult } from '../query-sub-users/get-sub-user.use-case';

/** Delete one sub-user, as DELETE /v1/sub-users/:id asks. */
export interface DeleteSubUserCommand {
  id: string;
  ifMatch?: string;
  meta: RequestMeta;
}

/**
 * Deletes a sub-user at its provider and records `deleted`, or `deleting` where the provider
 * finishes later. A delete takes no change claim: it wins over a change in flight, whose late
 * answer the ledger then refuses (nothing leaves deleting or deleted).
 */
@Injectable()
export class DeleteSubUser {
  constructor(
    private readonly ledger: Ledger,
    private readonly access: SubUserAccess,
    private readonly accounts: ProviderAccountsService,
  ) {}

  async execute({ id, ifMatch, meta }: DeleteSubUserCommand): Promise<SubUserResult> {
    const before = await this.access.findOwned(id, meta.auth);
    // Deleting what is already deleted or being deleted answers with its state.
    if (before.lifecycle === 'deleted' || before.status === 'deleted' || before.status === 'deleting') {
      return { subUser: toSubUserDto(before), etag: etagOf(before) };
    }
    this.access.assertIfMatch(before, ifMatch);
    this.access.assertChangeable(before);
    if (storedSnapshot(before)?.isDefault) {
      throw new GatewayError(
        'CONFLICT',
        'This is the provider account’s default sub-user; it cannot be deleted',
      );
    }
    const { driver } = await this.accounts.resolve(before.providerAccountId);
    let status: 'deleted' | 'deleting';
    try {
      status = (await driver.delete(before.providerSubUserId!, { priority: 'user' })).status;
    } catch (error) {
      // Already gone at the provider: the delete's goal holds.
      if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND') status = 'deleted';
      else {
        await this.ledger.recordFailure({
          id,
          tenantId: before.tenantId,
          action: 'sub-user.deleted',
          failure: failureOf(error),
          actor: actorOf(meta),
        });
        throw error;
      }
    }
    // The record as read above: while nobody changed it meanwhile, the delete is one statement.
    const { record } = await this.ledger.markDeleted({ id, status, actor: actorOf(meta), before });
    return { subUser: toSubUserDto(record), etag: etagOf(record) };
  }
}
