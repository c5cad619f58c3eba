import { Inject, Injectable } from '@nestjs/common';
import { GatewayError, isGatewayError } from '@app/domain';
import type { AuthContext } from '../../../access/auth-context';
import { GATEWAY_CONFIG } from '../../../config/config.module';
import type { GatewayConfig } from '../../../config/gateway-config';
import {
  ProviderAccountsService,
  type ResolvedAccount,
} from '../../../provider-accounts/provider-accounts.service';
import type { CreateSubUserDto } from '../../sub-user.dto';

function noSuchAccount(id: string): GatewayError {
  return new GatewayError('VALIDATION_FAILED', `providerAccountId: no provider account ${id}`, {
    fieldErrors: [{ field: 'providerAccountId', message: 'no such provider account' }],
  });
}

/**
 * Which provider account a create goes to: the one named, the default of the provider named, or
 * the single default there is, and only an account the caller's tenant may use.
 */
@Injectable()
export class AccountSelection {
  constructor(
    private readonly accounts: ProviderAccountsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** An account by id (a retry of a create goes where the first attempt went). */
  resolve(id: string): Promise<ResolvedAccount> {
    return this.accounts.resolve(id);
  }

  async forCreate(dto: CreateSubUserDto, auth: AuthContext, tenantId: string): Promise<ResolvedAccount> {
    const account = await this.pick(dto);
    // An account not shared with the tenant is, to its keys, an account that does not exist.
    if (!auth.isAdmin && !(await this.accounts.isGrantedTo(account.record, tenantId))) {
      throw noSuchAccount(dto.providerAccountId ?? account.record.id);
    }
    if (auth.isAdmin && !(await this.accounts.isGrantedTo(account.record, tenantId))) {
      throw new GatewayError(
        'VALIDATION_FAILED',
        `providerAccountId: account ${account.record.name} is not granted to tenant ${tenantId}`,
        { fieldErrors: [{ field: 'providerAccountId', message: `not granted to tenant ${tenantId}` }] },
      );
    }
    return account;
  }

  private async pick(dto: CreateSubUserDto): Promise<ResolvedAccount> {
    if (dto.providerAccountId) {
      const account = await this.accounts.resolve(dto.providerAccountId).catch((error: unknown) => {
        if (isGatewayError(error) && error.code === 'NOT_FOUND') throw noSuchAccount(dto.providerAccountId!);
        throw error;
      });
      if (dto.provider && account.driver.provider !== dto.provider) {
        throw new GatewayError('VALIDATION_FAILED', 'provider does not match the provider account', {
          fieldErrors: [
            { field: 'provider', message: `the account is a ${account.driver.provider} account` },
          ],
        });
      }
      return account;
    }
    const provider = dto.provider ?? this.config.providers.defaultProvider;
    if (provider) return this.accounts.resolveDefault(provider);
    const defaults = (await this.accounts.allAccounts()).filter((account) => account.isDefault);
    if (defaults.length === 1) return this.accounts.resolve(defaults[0].id);
    throw new GatewayError(
      'VALIDATION_FAILED',
      'Name providerAccountId or provider (no DEFAULT_PROVIDER is configured)',
      {
        fieldErrors: [{ field: 'provider', message: 'required when several providers are configured' }],
      },
    );
  }
}
