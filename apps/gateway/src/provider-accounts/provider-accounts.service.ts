import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError, type ProviderName } from '@app/domain';
import {
  type Actor,
  Ledger,
  type ProviderAccount,
  ProviderAccountRepository,
  TenantRepository,
  Transactions,
  isUniqueViolation,
} from '@app/persistence';
import { type ProviderAccountConfig, type ProviderDriver, ProviderRegistry } from '@app/providers';
import { SecretBox } from '../crypto/secret-box';
import { ProviderEndpointPolicy } from './provider-endpoint-policy';
import type {
  CreateProviderAccountDto,
  ProviderAccountDto,
  UpdateProviderAccountDto,
} from './provider-account.dto';

export interface ResolvedAccount {
  record: ProviderAccount;
  driver: ProviderDriver;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Accounts rarely change; a short TTL keeps replicas in step without a broadcast.
const ACCOUNT_CACHE_TTL_MS = 5_000;

/** What placement reads of an account besides its record: its sub-user count and circuit. */
export interface AccountStanding {
  subUserCount: number;
  circuit: 'closed' | 'open' | 'half-open' | 'isolated';
}

export function toProviderAccountDto(
  account: ProviderAccount,
  standing: AccountStanding = { subUserCount: 0, circuit: 'closed' },
): ProviderAccountDto {
  return {
    id: account.id,
    provider: account.provider,
    name: account.name,
    baseUrl: account.baseUrl,
    planId: account.planId,
    isDefault: account.isDefault,
    sharing: account.sharing === 'granted' ? 'granted' : 'all',
    grantedTenants: account.grantedTenants,
    balance:
      account.balanceBytes !== null && account.balanceObservedAt !== null
        ? {
            availableBytes: Number(account.balanceBytes),
            observedAt: account.balanceObservedAt.toISOString(),
          }
        : null,
    ...standing,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

function actorOf(auth: { keyId: string } | null, requestId?: string): Actor {
  return { keyId: auth?.keyId ?? null, requestId: requestId ?? null };
}

/** Provider accounts: the API keys the gateway acts with, sealed at rest, and their drivers. */
@Injectable()
export class ProviderAccountsService {
  private readonly logger = new Logger('ProviderAccounts');
  private readonly cache = new Map<string, { account: ResolvedAccount; expiresAt: number }>();
  private readonly defaults = new Map<ProviderName, { accountId: string; expiresAt: number }>();

  constructor(
    private readonly accounts: ProviderAccountRepository,
    private readonly tenants: TenantRepository,
    private readonly registry: ProviderRegistry,
    private readonly secrets: SecretBox,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly endpoints: ProviderEndpointPolicy,
  ) {}

  async create(
    dto: CreateProviderAccountDto,
    auth: { keyId: string } | null,
    requestId?: string,
  ): Promise<ProviderAccountDto> {
    if (await this.accounts.findByName(dto.name)) {
      throw new GatewayError('CONFLICT', `A provider account named '${dto.name}' already exists`);
    }
    const id = randomUUID();
    const baseUrl = this.endpoints.check(
      dto.provider,
      dto.baseUrl ?? this.registry.describe(dto.provider).defaultBaseUrl,
    );
    const planId = dto.planId ?? null;
    const grants = await this.grantsOf(dto.sharing ?? 'all', dto.grantedTenants ?? []);
    // The provider must accept the key before it is stored.
    await this.endpoints.probe({ id, provider: dto.provider, baseUrl, apiKey: dto.apiKey, planId });
    const sealed = this.secrets.seal(dto.apiKey);
    const isDefault = dto.isDefault ?? !(await this.accounts.findDefault(dto.provider));
    const record = await this.nameTaken(dto.name, () =>
      this.transactions.run(async (tx) => {
        const created = await this.accounts.save(
          {
            id,
            provider: dto.provider,
            name: dto.name,
            baseUrl,
            planId,
            isDefault,
            ...grants,
            balanceBytes: null,
            balanceObservedAt: null,
            apiKeyCiphertext: sealed.ciphertext,
            apiKeyKeyId: sealed.keyId,
          },
          tx,
          true,
        );
        await this.ledger.recordChange(
          {
            action: 'provider-account.created',
            targetType: 'provider-account',
            targetId: id,
            tenantId: null,
            actor: actorOf(auth, requestId),
            changes: { after: toProviderAccountDto(created) },
            announce: { type: 'provider-account.created', data: toProviderAccountDto(created) },
          },
          tx,
        );
        return created;
      }),
    );
    // A new default replaces the cached one.
    this.defaults.clear();
    return toProviderAccountDto(record);
  }

  /**
   * The name was checked before the key check, which can take seconds: a concurrent create or
   * rename that took it meanwhile is the same 409 (the unique constraint decides), never a 500.
   */
  private async nameTaken<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new GatewayError('CONFLICT', `A provider account named '${name}' already exists`);
      throw error;
    }
  }

  async list(): Promise<ProviderAccountDto[]> {
    const counts = await this.accounts.countLiveByAccount();
    return Promise.all(
      (await this.accounts.listAll()).map(async (record) =>
        toProviderAccountDto(record, await this.standingOf(record, counts)),
      ),
    );
  }

  async get(id: string): Promise<ProviderAccountDto> {
    const record = await this.findRecord(id);
    return toProviderAccountDto(
      record,
      await this.standingOf(record, await this.accounts.countLiveByAccount()),
    );
  }

  private async standingOf(record: ProviderAccount, counts: Map<string, number>): Promise<AccountStanding> {
    const { driver } = await this.resolve(record.id);
    return { subUserCount: counts.get(record.id) ?? 0, circuit: driver.circuitState() };
  }

  async update(
    id: string,
    dto: UpdateProviderAccountDto,
    auth: { keyId: string } | null,
    requestId?: string,
  ): Promise<ProviderAccountDto> {
    const before = await this.findRecord(id);
    const provider = before.provider as ProviderName;
    if (dto.name !== undefined && dto.name !== before.name && (await this.accounts.findByName(dto.name))) {
      throw new GatewayError('CONFLICT', `A provider account named '${dto.name}' already exists`);
    }
    const baseUrl = dto.baseUrl !== undefined ? this.endpoints.check(provider, dto.baseUrl) : before.baseUrl;
    // The stored key goes only where it went before: a new destination needs the key again.
    if (baseUrl !== before.baseUrl && dto.apiKey === undefined) {
      throw new GatewayError('VALIDATION_FAILED', 'apiKey: changing baseUrl requires sending the key again', {
        fieldErrors: [{ field: 'apiKey', message: 'required when baseUrl changes' }],
      });
    }
    const planId = dto.planId !== undefined ? dto.planId : before.planId;
    const apiKey = dto.apiKey ?? this.secrets.open(before.apiKeyCiphertext, before.apiKeyKeyId);
    if (dto.apiKey !== undefined || baseUrl !== before.baseUrl || planId !== before.planId) {
      await this.endpoints.probe({ id, provider, baseUrl, apiKey, planId });
    }
    const grants =
      dto.sharing !== undefined || dto.grantedTenants !== undefined
        ? await this.grantsOf(
            dto.sharing ?? (before.sharing as 'all' | 'granted'),
            dto.grantedTenants ?? before.grantedTenants,
          )
        : {};
    const sealed = dto.apiKey !== undefined ? this.secrets.seal(dto.apiKey) : undefined;
    const after = await this.nameTaken(dto.name ?? before.name, () =>
      this.transactions.run(async (tx) => {
        // Decided on the account as read above, which the key check may have taken seconds after:
        // a change or removal since then is not overwritten (its key could otherwise be sent to a
        // base URL it was never checked with).
        const current = await this.accounts.lockConnection(id, tx);
        if (!current) throw new GatewayError('NOT_FOUND', `No provider account ${id}`);
        if (
          current.baseUrl !== before.baseUrl ||
          current.planId !== before.planId ||
          current.apiKeyCiphertext !== before.apiKeyCiphertext
        ) {
          throw new GatewayError(
            'CONFLICT',
            `Provider account '${before.name}' got another base URL, plan or key meanwhile; send the change again`,
          );
        }
        const saved = await this.accounts.save(
          {
            id,
            provider: before.provider,
            // Only what this request changes: a field another change wrote meanwhile stays.
            ...(dto.name !== undefined ? { name: dto.name } : {}),
            ...(dto.baseUrl !== undefined ? { baseUrl } : {}),
            ...(dto.planId !== undefined ? { planId } : {}),
            ...(dto.isDefault !== undefined ? { isDefault: dto.isDefault } : {}),
            ...grants,
            ...(sealed ? { apiKeyCiphertext: sealed.ciphertext, apiKeyKeyId: sealed.keyId } : {}),
          },
          tx,
          false,
        );
        await this.ledger.recordChange(
          {
            action: 'provider-account.updated',
            targetType: 'provider-account',
            targetId: id,
            tenantId: null,
            actor: actorOf(auth, requestId),
            changes: {
              before: toProviderAccountDto(before),
              after: toProviderAccountDto(saved),
              request: { ...dto, apiKey: dto.apiKey ? '[redacted]' : undefined },
            },
            announce: { type: 'provider-account.updated', data: toProviderAccountDto(saved) },
          },
          tx,
        );
        return saved;
      }),
    );
    await this.forget(id);
    return toProviderAccountDto(after);
  }

  async remove(id: string, auth: { keyId: string } | null, requestId?: string): Promise<ProviderAccountDto> {
    const record = await this.findRecord(id);
    await this.transactions.run(async (tx) => {
      const live = await this.accounts.countLiveSubUsers(id, tx);
      // A concurrent removal won: the same answer as for an account that never existed.
      if (live === null) throw new GatewayError('NOT_FOUND', `No provider account ${id}`);
      if (live > 0) {
        throw new GatewayError(
          'CONFLICT',
          `Provider account '${record.name}' still has ${live} sub-user(s); delete them first`,
        );
      }
      // Deleted sub-users keep their history until the account itself goes.
      await this.ledger.forgetAccountHistory(id, tx);
      await this.accounts.delete(id, tx);
      await this.ledger.recordChange(
        {
          action: 'provider-account.deleted',
          targetType: 'provider-account',
          targetId: id,
          tenantId: null,
          actor: actorOf(auth, requestId),
          changes: { before: toProviderAccountDto(record) },
          announce: { type: 'provider-account.deleted', data: toProviderAccountDto(record) },
        },
        tx,
      );
    });
    await this.forget(id);
    return toProviderAccountDto(record);
  }

  /** The account and its driver (cached briefly; the key is decrypted only when the driver is built). */
  async resolve(id: string): Promise<ResolvedAccount> {
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.account;
    const record = await this.findRecord(id);
    const resolved = { record, driver: this.registry.driverFor(this.toConfig(record)) };
    this.cache.set(id, { account: resolved, expiresAt: Date.now() + ACCOUNT_CACHE_TTL_MS });
    return resolved;
  }

  /** The default account of a provider (DEFAULT_PROVIDER picks the provider when none is named). */
  async resolveDefault(provider: ProviderName): Promise<ResolvedAccount> {
    const cached = this.defaults.get(provider);
    if (cached && cached.expiresAt > Date.now()) return this.resolve(cached.accountId);
    const record = await this.accounts.findDefault(provider);
    if (!record) {
      throw new GatewayError('VALIDATION_FAILED', `No default ${provider} account: name providerAccountId`, {
        fieldErrors: [{ field: 'provider', message: `no default account for ${provider}` }],
      });
    }
    this.defaults.set(provider, { accountId: record.id, expiresAt: Date.now() + ACCOUNT_CACHE_TTL_MS });
    return this.resolve(record.id);
  }

  async allAccounts(): Promise<ProviderAccount[]> {
    return this.accounts.listAll();
  }

  /** Whether the tenant may create sub-users on the account. */
  isGrantedTo(account: ProviderAccount, tenantId: string): boolean {
    return account.sharing !== 'granted' || account.grantedTenants.includes(tenantId);
  }

  /** Reads and stores the account's prepaid balance where the provider has one (sync calls it). */
  async refreshBalance(accountId: string, driver: ProviderDriver): Promise<void> {
    if (!driver.getBalance) return;
    try {
      const { availableBytes } = await driver.getBalance({ priority: 'background' });
      await this.accounts.recordBalance(accountId, availableBytes, new Date());
      this.cache.delete(accountId);
    } catch (error) {
      this.logger.warn(`Could not read the balance of account ${accountId}: ${(error as Error).message}`);
    }
  }

  /** Idempotent registration used by demo mode (sandbox accounts). */
  async ensure(account: {
    provider: ProviderName;
    name: string;
    baseUrl: string;
    apiKey: string;
    isDefault: boolean;
  }) {
    const existing = await this.accounts.findByName(account.name);
    if (existing) {
      if (existing.baseUrl !== account.baseUrl) {
        await this.update(existing.id, { baseUrl: account.baseUrl, apiKey: account.apiKey }, null);
      }
      return;
    }
    await this.create({ ...account }, null);
  }

  private async grantsOf(
    sharing: 'all' | 'granted',
    grantedTenants: string[],
  ): Promise<{ sharing: string; grantedTenants: string[] }> {
    const unique = [...new Set(grantedTenants)];
    for (const tenantId of unique) {
      if (!(await this.tenants.findById(tenantId))) {
        throw new GatewayError('VALIDATION_FAILED', `grantedTenants: no tenant ${tenantId}`, {
          fieldErrors: [{ field: 'grantedTenants', message: `no tenant ${tenantId}` }],
        });
      }
    }
    return { sharing, grantedTenants: unique };
  }

  private toConfig(record: ProviderAccount): ProviderAccountConfig {
    return {
      id: record.id,
      provider: record.provider as ProviderName,
      baseUrl: record.baseUrl,
      apiKey: this.secrets.open(record.apiKeyCiphertext, record.apiKeyKeyId),
      planId: record.planId,
    };
  }

  private async findRecord(id: string): Promise<ProviderAccount> {
    const record = UUID.test(id) ? await this.accounts.findById(id) : null;
    if (!record) throw new GatewayError('NOT_FOUND', `No provider account ${id}`);
    return record;
  }

  private async forget(id: string): Promise<void> {
    this.cache.delete(id);
    this.defaults.clear();
    await this.registry.invalidate(id);
  }
}
