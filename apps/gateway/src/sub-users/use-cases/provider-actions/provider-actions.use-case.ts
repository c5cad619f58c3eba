import { Injectable } from '@nestjs/common';
import type { ProviderSubUser } from '@app/domain';
import { Ledger, type RecordProviderActionCommand } from '@app/persistence';
import { type ProviderDriver, requireOperation } from '@app/providers';
import { ProviderAccountsService } from '../../../provider-accounts/provider-accounts.service';
import { type RequestMeta, actorOf, failureOf } from '../../request-meta';
import { SubUserAccess } from '../../sub-user-access';
import type { CredentialsDto } from '../../sub-user.dto';
import { etagOf, toSubUserDto } from '../../sub-user.view';
import { generateProxyPassword } from '../create-sub-user/proxy-secrets';
import type { SubUserResult } from '../query-sub-users/get-sub-user.use-case';

type Action = RecordProviderActionCommand['action'];

/**
 * The provider operations beyond create, change and delete: refresh the proxy list, reset usage,
 * rotate the password, read credentials. Each one the provider lacks is 422 before anything is
 * claimed; each change holds the sub-user's change claim while the provider works.
 */
@Injectable()
export class ProviderActions {
  constructor(
    private readonly ledger: Ledger,
    private readonly access: SubUserAccess,
    private readonly accounts: ProviderAccountsService,
  ) {}

  refreshProxyList(id: string, meta: RequestMeta): Promise<SubUserResult> {
    return this.run(id, meta, 'sub-user.proxy-list-refreshed', (driver) => {
      const refresh = requireOperation(driver, 'refreshProxyList');
      return (providerId) => refresh(providerId, { priority: 'user' });
    });
  }

  resetUsage(id: string, meta: RequestMeta): Promise<SubUserResult> {
    return this.run(id, meta, 'sub-user.usage-reset', (driver) => {
      const reset = requireOperation(driver, 'resetUsage');
      return async (providerId) => {
        await reset(providerId, { priority: 'user' });
        return driver.get(providerId, { priority: 'user' });
      };
    });
  }

  async rotatePassword(id: string, meta: RequestMeta): Promise<{ password: string }> {
    const password = generateProxyPassword();
    await this.run(id, meta, 'sub-user.password-rotated', (driver) => {
      const setPassword = requireOperation(driver, 'setPassword');
      return async (providerId) => {
        await setPassword(providerId, password, { priority: 'user' });
        return undefined;
      };
    });
    return { password };
  }

  async credentials(id: string, meta: RequestMeta): Promise<CredentialsDto> {
    const record = await this.access.findOwned(id, meta.auth);
    this.access.assertChangeable(record);
    const { driver } = await this.accounts.resolve(record.providerAccountId);
    const credentials = await requireOperation(driver, 'getCredentials')(record.providerSubUserId!, {
      priority: 'user',
    });
    // Who read a secret is worth knowing; the secret itself is never recorded.
    await this.ledger.recordAccess(record, 'sub-user.credentials-read', actorOf(meta));
    return credentials;
  }

  private async run(
    id: string,
    meta: RequestMeta,
    action: Action,
    operation: (
      driver: ProviderDriver,
    ) => (providerSubUserId: string) => Promise<ProviderSubUser | undefined>,
  ): Promise<SubUserResult> {
    const found = await this.access.findOwned(id, meta.auth);
    this.access.assertChangeable(found);
    const { driver } = await this.accounts.resolve(found.providerAccountId);
    const call = operation(driver); // UNSUPPORTED_BY_PROVIDER before anything is claimed
    const { record, claimId } = await this.access.claim(id, meta.auth, undefined);
    let current: ProviderSubUser | undefined;
    try {
      current = await call(record.providerSubUserId!);
    } catch (error) {
      await this.ledger.recordFailure({
        id,
        tenantId: record.tenantId,
        action,
        failure: failureOf(error),
        actor: actorOf(meta),
        claimId,
      });
      throw error;
    }
    const after = await this.ledger.recordProviderAction({
      id,
      claimId,
      action,
      ...(current ? { subUser: current } : {}),
      actor: actorOf(meta),
    });
    return { subUser: toSubUserDto(after), etag: etagOf(after) };
  }
}
