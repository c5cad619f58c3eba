import { Injectable } from '@nestjs/common';
import { isGatewayError } from '@app/domain';
import { Ledger } from '@app/persistence';
import type { AuthContext } from '../../../access/auth-context';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';
import { SubUserAccess } from '../../sub-user-access';
import type { SubUserDto } from '../../sub-user.dto';
import { etagOf, toSubUserDto } from '../../sub-user.view';

export interface SubUserResult {
  subUser: SubUserDto;
  etag: string;
}

/**
 * One sub-user: from the local record (the hot path, a cached read), or with `fresh` read
 * through to the provider; a changed report is recorded (drift audited, usage silent).
 */
@Injectable()
export class GetSubUser {
  constructor(
    private readonly ledger: Ledger,
    private readonly access: SubUserAccess,
    private readonly accounts: ProviderAccountsService,
  ) {}

  async execute(id: string, auth: AuthContext, fresh: boolean): Promise<SubUserResult> {
    // The record from the in-process cache (at most 1 s old, dropped by this process's writes) in
    // both cases, as the design has it: a fresh read only needs where the sub-user lives, and its
    // report is written only if the record is still at the version read (else re-read).
    let record = await this.access.findOwned(id, auth, true);
    if (fresh && record.lifecycle === 'active' && record.providerSubUserId && record.status !== 'deleted') {
      const { driver } = await this.accounts.resolve(record.providerAccountId);
      const actor = { keyId: auth.keyId, requestId: null };
      try {
        const current = await driver.get(record.providerSubUserId, { priority: 'user' });
        record = await this.ledger.applySnapshot({ record, subUser: current }, actor);
      } catch (error) {
        // The provider says it has no such sub-user: recorded as `unknown` until a sync confirms it gone.
        if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND' && record.status !== 'deleting')
          await this.ledger.markUnknown(record, actor);
        throw error;
      }
    }
    return { subUser: toSubUserDto(record), etag: etagOf(record) };
  }
}
