import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError, ProviderName } from '@app/domain';
import { ProviderAccountConfig, ProviderDriver, ProviderRegistry } from '@app/providers';
import { ProviderAccount } from '@app/persistence/generated/prisma/client';
import { ProviderAccountRepository } from '@app/persistence/repositories/provider-account.repository';
import { AuthContext } from '../access/auth-context';
import { AuditService } from '../audit/audit.service';
import { SecretBox } from '../crypto/secret-box';
import {
  CreateProviderAccountDto,
  ProviderAccountDto,
  UpdateProviderAccountDto,
} from './provider-account.dto';

export const DEFAULT_BASE_URLS: Record<ProviderName, string> = {
  webshare: 'https://proxy.webshare.io',
  proxyhat: 'https://api.proxyhat.com/v1',
};

export interface ResolvedAccount {
  record: ProviderAccount;
  driver: ProviderDriver;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Accounts rarely change; a short TTL keeps replicas in step without a broadcast.
const ACCOUNT_CACHE_TTL_MS = 5_000;

export function toProviderAccountDto(account: ProviderAccount): ProviderAccountDto {
  return {
    id: account.id,
    provider: account.provider,
    name: account.name,
    baseUrl: account.baseUrl,
    planId: account.planId,
    isDefault: account.isDefault,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

/** Provider accounts: the API keys the gateway acts with, sealed at rest, and their drivers. */
@Injectable()
export class ProviderAccountsService {
  private readonly cache = new Map<string, { account: ResolvedAccount; expiresAt: number }>();
  private readonly defaults = new Map<ProviderName, { accountId: string; expiresAt: number }>();

  constructor(
    private readonly accounts: ProviderAccountRepository,
    private readonly registry: ProviderRegistry,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
  ) {}

  async create(
    dto: CreateProviderAccountDto,
    actor: AuthContext | null,
    requestId?: string,
  ): Promise<ProviderAccountDto> {
    if (await this.accounts.findByName(dto.name)) {
      throw new GatewayError('CONFLICT', `A provider account named '${dto.name}' already exists`);
    }
    const id = randomUUID();
    const baseUrl = stripTrailingSlash(dto.baseUrl ?? DEFAULT_BASE_URLS[dto.provider]);
    const planId = dto.planId ?? null;
    // The provider must accept the key before it is stored (PROVIDER_AUTH_FAILED otherwise).
    await this.checkCredentials({ id, provider: dto.provider, baseUrl, apiKey: dto.apiKey, planId });
    const sealed = this.secrets.seal(dto.apiKey);
    const isDefault = dto.isDefault ?? !(await this.accounts.findDefault(dto.provider));
    const record = await this.accounts.client.$transaction(async (db) => {
      const created = await this.accounts.save(
        {
          id,
          provider: dto.provider,
          name: dto.name,
          baseUrl,
          planId,
          isDefault,
          apiKeyCiphertext: sealed.ciphertext,
          apiKeyKeyId: sealed.keyId,
        },
        db,
        true,
      );
      await this.audit.record(
        {
          action: 'provider-account.created',
          targetType: 'provider-account',
          targetId: id,
          tenantId: null,
          actor,
          outcome: 'ok',
          requestId,
          changes: { after: toProviderAccountDto(created) },
        },
        db,
      );
      return created;
    });
    // A new default replaces the cached one.
    this.defaults.clear();
    return toProviderAccountDto(record);
  }

  async list(): Promise<ProviderAccountDto[]> {
    return (await this.accounts.listAll()).map(toProviderAccountDto);
  }

  async get(id: string): Promise<ProviderAccountDto> {
    return toProviderAccountDto(await this.findRecord(id));
  }

  async update(
    id: string,
    dto: UpdateProviderAccountDto,
    actor: AuthContext | null,
    requestId?: string,
  ): Promise<ProviderAccountDto> {
    const before = await this.findRecord(id);
    if (dto.name !== undefined && dto.name !== before.name && (await this.accounts.findByName(dto.name))) {
      throw new GatewayError('CONFLICT', `A provider account named '${dto.name}' already exists`);
    }
    const baseUrl = dto.baseUrl !== undefined ? stripTrailingSlash(dto.baseUrl) : before.baseUrl;
    const planId = dto.planId !== undefined ? dto.planId : before.planId;
    const apiKey = dto.apiKey ?? this.secrets.open(before.apiKeyCiphertext, before.apiKeyKeyId);
    const connectionChanged =
      dto.apiKey !== undefined || baseUrl !== before.baseUrl || planId !== before.planId;
    if (connectionChanged) {
      await this.checkCredentials({ id, provider: before.provider as ProviderName, baseUrl, apiKey, planId });
    }
    const sealed = dto.apiKey !== undefined ? this.secrets.seal(dto.apiKey) : undefined;
    const after = await this.accounts.client.$transaction(async (db) => {
      const saved = await this.accounts.save(
        {
          id,
          provider: before.provider,
          ...(dto.name !== undefined ? { name: dto.name } : {}),
          baseUrl,
          planId,
          ...(dto.isDefault !== undefined ? { isDefault: dto.isDefault } : {}),
          ...(sealed ? { apiKeyCiphertext: sealed.ciphertext, apiKeyKeyId: sealed.keyId } : {}),
        },
        db,
        false,
      );
      await this.audit.record(
        {
          action: 'provider-account.updated',
          targetType: 'provider-account',
          targetId: id,
          tenantId: null,
          actor,
          outcome: 'ok',
          requestId,
          changes: {
            before: toProviderAccountDto(before),
            after: toProviderAccountDto(saved),
            request: { ...dto, apiKey: dto.apiKey ? '[redacted]' : undefined },
          },
        },
        db,
      );
      return saved;
    });
    await this.forget(id);
    return toProviderAccountDto(after);
  }

  async remove(id: string, actor: AuthContext | null, requestId?: string): Promise<ProviderAccountDto> {
    const record = await this.findRecord(id);
    await this.accounts.client.$transaction(async (db) => {
      const live = await this.accounts.countLiveSubUsers(id, db);
      if (live > 0) {
        throw new GatewayError(
          'CONFLICT',
          `Provider account '${record.name}' still has ${live} sub-user(s); delete them first`,
        );
      }
      // Deleted mappings keep their history; they go with the account.
      await db.subUserMapping.deleteMany({ where: { providerAccountId: id } });
      await this.accounts.delete(id, db);
      await this.audit.record(
        {
          action: 'provider-account.deleted',
          targetType: 'provider-account',
          targetId: id,
          tenantId: null,
          actor,
          outcome: 'ok',
          requestId,
          changes: { before: toProviderAccountDto(record) },
        },
        db,
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

  /** Idempotent registration used by demo mode (sandbox accounts). */
  async ensure(account: {
    provider: ProviderName;
    name: string;
    baseUrl: string;
    apiKey: string;
    isDefault: boolean;
  }): Promise<void> {
    const existing = await this.accounts.findByName(account.name);
    if (existing) {
      if (existing.baseUrl !== account.baseUrl) {
        await this.update(existing.id, { baseUrl: account.baseUrl, apiKey: account.apiKey }, null);
      }
      return;
    }
    await this.create({ ...account }, null);
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

  private async checkCredentials(config: ProviderAccountConfig): Promise<void> {
    // A throwaway driver: the account does not exist yet (or its key is about to change).
    const probe = this.registry.driverFor({ ...config, id: `probe:${config.id}:${randomUUID()}` });
    try {
      await probe.checkCredentials();
    } finally {
      await this.registry.invalidate(probe.accountId);
    }
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

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
