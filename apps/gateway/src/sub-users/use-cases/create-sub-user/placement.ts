import { Injectable } from '@nestjs/common';
import { GatewayError, type ProviderName, isGatewayError, parseTrafficLimit } from '@app/domain';
import { type ProviderAccount, ProviderAccountRepository } from '@app/persistence';
import { ProviderRegistry } from '@app/providers';
import {
  ProviderAccountsService,
  type ResolvedAccount,
} from '../../../provider-accounts/provider-accounts.service';
import type { CreateSubUserDto, PlacementDto } from '../../sub-user.dto';
import { createInputFor } from '../../provider-input';

/** An account placement may use, with why it stands where it does. */
export interface PlacementCandidate {
  account: ResolvedAccount;
  reason: string;
}

interface Scored {
  record: ProviderAccount;
  live: number;
  balance: number | null;
}

const ORDER: Record<NonNullable<PlacementDto['strategy']>, (a: Scored, b: Scored) => number> = {
  'least-used': (a, b) => a.live - b.live || placedAt(a) - placedAt(b),
  // Accounts without a balance (not prepaid) come after those with one, least-used among them.
  'most-balance': (a, b) =>
    (b.balance ?? -1) - (a.balance ?? -1) || a.live - b.live || placedAt(a) - placedAt(b),
  'round-robin': (a, b) => placedAt(a) - placedAt(b) || a.record.id.localeCompare(b.record.id),
};

/**
 * The providers placement may choose among: the one the create names (placement then picks among
 * its accounts), else placement's own list. A named provider outside that list is a contradiction,
 * refused before any provider call rather than settled by overriding what the caller named.
 */
function providersOf(dto: CreateSubUserDto): ProviderName[] | undefined {
  const listed = dto.placement?.providers;
  if (!dto.provider) return listed;
  if (listed && !listed.includes(dto.provider)) {
    const message = `names ${listed.join(', ')}, not the provider the create names (${dto.provider})`;
    throw new GatewayError('VALIDATION_FAILED', `placement.providers ${message}`, {
      fieldErrors: [{ field: 'placement.providers', message }],
    });
  }
  return [dto.provider];
}

function placedAt(scored: Scored): number {
  return scored.record.lastPlacedAt?.getTime() ?? 0;
}

function reasonOf(strategy: string, scored: Scored, eligible: number): string {
  const facts = [
    `${scored.live} sub-user${scored.live === 1 ? '' : 's'}`,
    ...(scored.balance !== null ? [`${scored.balance} bytes of balance`] : []),
    `last chosen ${scored.record.lastPlacedAt?.toISOString() ?? 'never'}`,
  ];
  return `${strategy} among ${eligible} eligible account${eligible === 1 ? '' : 's'}: ${facts.join(', ')}`;
}

/**
 * Where a create that names no account goes: an account granted to the tenant, its circuit not
 * open, whose provider can hold every field of the request (and the country asked for), with
 * prepaid balance for the limit where the provider is prepaid; ordered by the strategy.
 */
@Injectable()
export class Placement {
  constructor(
    private readonly accounts: ProviderAccountsService,
    private readonly repository: ProviderAccountRepository,
    private readonly registry: ProviderRegistry,
  ) {}

  /** Eligible accounts, best first; 422 naming why each account was left out when none is. */
  async candidates(dto: CreateSubUserDto, tenantId: string): Promise<PlacementCandidate[]> {
    const placement = dto.placement ?? {};
    const strategy = placement.strategy ?? 'least-used';
    const providers = providersOf(dto);
    const live = await this.repository.countLiveByAccount();
    const scored: Scored[] = [];
    const excluded: string[] = [];
    for (const record of await this.accounts.allAccounts()) {
      const why = await this.exclusion(record, dto, tenantId, providers, placement.country);
      if (why) excluded.push(`${record.name}: ${why}`);
      else
        scored.push({
          record,
          live: live.get(record.id) ?? 0,
          balance: record.balanceBytes === null ? null : Number(record.balanceBytes),
        });
    }
    if (scored.length === 0) {
      throw new GatewayError(
        'VALIDATION_FAILED',
        `placement: no provider account can take this sub-user (${excluded.join('; ') || 'no accounts'})`,
        { fieldErrors: [{ field: 'placement', message: 'no eligible provider account' }] },
      );
    }
    scored.sort(ORDER[strategy]);
    return Promise.all(
      scored.map(async (entry) => ({
        account: await this.accounts.resolve(entry.record.id),
        reason: reasonOf(strategy, entry, scored.length),
      })),
    );
  }

  /** Records the choice (round-robin reads it). */
  chosen(accountId: string): Promise<void> {
    return this.repository.markPlaced(accountId, new Date());
  }

  private async exclusion(
    record: ProviderAccount,
    dto: CreateSubUserDto,
    tenantId: string,
    providers: ProviderName[] | undefined,
    country: string | undefined,
  ): Promise<string | null> {
    const provider = record.provider as ProviderName;
    if (providers && !providers.includes(provider)) return `not one of ${providers.join(', ')}`;
    if (!this.accounts.isGrantedTo(record, tenantId)) return 'not granted to the tenant';
    const description = this.registry.describe(provider);
    try {
      createInputFor(provider, description, { ...dto, provider: undefined, placement: undefined });
    } catch (error) {
      if (isGatewayError(error)) return `cannot hold this request (${error.detail})`;
      throw error;
    }
    if (country !== undefined && !description.capabilities.countries) {
      return `${description.displayName} cannot pin a sub-user to a country`;
    }
    const { driver } = await this.accounts.resolve(record.id);
    if (driver.circuitState() === 'open' || driver.circuitState() === 'isolated')
      return 'its circuit is open (the provider keeps failing)';
    if (description.capabilities.balance) {
      const needed =
        dto.trafficLimit === undefined ? 1 : (parseTrafficLimit(dto.trafficLimit, 'trafficLimit') ?? 1);
      const balance = record.balanceBytes === null ? null : Number(record.balanceBytes);
      if (balance === null) return 'its prepaid balance is not known yet (a sync reads it)';
      if (balance < needed)
        return `its prepaid balance (${balance} bytes) is below the ${needed} bytes asked for`;
    }
    return null;
  }
}
