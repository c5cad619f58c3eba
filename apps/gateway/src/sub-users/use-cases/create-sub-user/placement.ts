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
  /** When it was last chosen (ms; 0: never). */
  placedAt: number;
}

const ORDER: Record<NonNullable<PlacementDto['strategy']>, (a: Scored, b: Scored) => number> = {
  'least-used': (a, b) => a.live - b.live || a.placedAt - b.placedAt,
  // Accounts without a balance (not prepaid) come after those with one, least-used among them.
  'most-balance': (a, b) =>
    (b.balance ?? -1) - (a.balance ?? -1) || a.live - b.live || a.placedAt - b.placedAt,
  'round-robin': (a, b) => a.placedAt - b.placedAt || a.record.id.localeCompare(b.record.id),
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

function reasonOf(strategy: string, scored: Scored, eligible: number): string {
  const facts = [
    `${scored.live} sub-user${scored.live === 1 ? '' : 's'}`,
    ...(scored.balance !== null ? [`${scored.balance} bytes of balance`] : []),
    `last chosen ${scored.placedAt ? new Date(scored.placedAt).toISOString() : 'never'}`,
  ];
  return `${strategy} among ${eligible} eligible account${eligible === 1 ? '' : 's'}: ${facts.join(', ')}`;
}

/**
 * Where a create that names no account goes: an account granted to the tenant, its circuit not
 * open, whose provider can hold every field of the request (and the country asked for), with
 * prepaid balance for the limit where the provider is prepaid; ordered by the strategy.
 *
 * Creates placed at once (a bulk job's items, sixteen in flight) are decided one after the other,
 * each counting the ones decided before it whose create has not ended: the database shows a
 * create only once its intent is written, and its choice (round-robin's turn) only once it ends,
 * so each would otherwise see the same counts and all go to the same account. Between replicas the
 * database's counts are what they share.
 */
@Injectable()
export class Placement {
  /** Creates this process placed on each account and still running. */
  private readonly inFlight = new Map<string, number>();
  /** When this process last chose each account (ms), ahead of the record written after the create. */
  private readonly chosenAt = new Map<string, number>();
  private decisions: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly accounts: ProviderAccountsService,
    private readonly repository: ProviderAccountRepository,
    private readonly registry: ProviderRegistry,
  ) {}

  /**
   * Eligible accounts, best first; 422 naming why each account was left out when none is. The
   * first is held for this create (counted by the decisions after it) until `settled`.
   */
  candidates(dto: CreateSubUserDto, tenantId: string): Promise<PlacementCandidate[]> {
    const decided = this.decisions.then(() => this.decide(dto, tenantId));
    this.decisions = decided.catch(() => undefined);
    return decided;
  }

  /** The create placed on `accountId` (the first candidate) has ended, created or not. */
  settled(accountId: string): void {
    const left = (this.inFlight.get(accountId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(accountId, left);
    else this.inFlight.delete(accountId);
  }

  private async decide(dto: CreateSubUserDto, tenantId: string): Promise<PlacementCandidate[]> {
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
          live: (live.get(record.id) ?? 0) + (this.inFlight.get(record.id) ?? 0),
          balance: record.balanceBytes === null ? null : Number(record.balanceBytes),
          placedAt: Math.max(record.lastPlacedAt?.getTime() ?? 0, this.chosenAt.get(record.id) ?? 0),
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
    const candidates = await Promise.all(
      scored.map(async (entry) => ({
        account: await this.accounts.resolve(entry.record.id),
        reason: reasonOf(strategy, entry, scored.length),
      })),
    );
    // Held only once nothing can fail: the caller settles what candidates() returned.
    const first = scored[0].record.id;
    this.inFlight.set(first, (this.inFlight.get(first) ?? 0) + 1);
    this.chosenAt.set(first, Date.now());
    return candidates;
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
