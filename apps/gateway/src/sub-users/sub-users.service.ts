import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomInt, randomUUID } from 'node:crypto';
import {
  CreateSubUserInput,
  GatewayError,
  ProviderError,
  ProviderName,
  ProviderSubUser,
  SubUserInputField,
  UnsupportedByProviderError,
  UpdateSubUserInput,
  isGatewayError,
  parseTrafficLimit,
} from '@app/domain';
import { ProviderDriver, ProviderRegistry, requireOperation } from '@app/providers';
import { Prisma, SubUserMapping } from '@app/persistence/generated/prisma/client';
import { SubUserMappingRepository } from '@app/persistence/repositories/sub-user-mapping.repository';
import { TenantRepository } from '@app/persistence/repositories/tenant.repository';
import { AuthContext, canAccessTenant } from '../access/auth-context';
import { AuditEventInput, AuditService } from '../audit/audit.service';
import { DEFAULT_PAGE_LIMIT, Page, decodeCursor, encodeCursor } from '../common/pagination';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { ProviderAccountsService, ResolvedAccount } from '../provider-accounts/provider-accounts.service';
import {
  CreateSubUserDto,
  CreatedSubUserDto,
  CredentialsDto,
  ListSubUsersQueryDto,
  SubUserDto,
  UpdateSubUserDto,
} from './sub-user.dto';
import { etagOf, sameSnapshot, snapshotOf, toSnapshot, toSubUserDto } from './sub-user.view';
import { canonicalJson } from '../idempotency/canonical-json';
import { SyncJob } from '../sync/sync.job';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long a create may stay unconfirmed before the sync gives up matching it. */
export const INTENT_WINDOW_MS = 15 * 60_000;
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** API field → driver input field (the API says trafficLimit, drivers take bytes). */
const API_FIELD: Record<SubUserInputField, string> = {
  name: 'name',
  notes: 'notes',
  trafficLimitBytes: 'trafficLimit',
  maxConcurrency: 'maxConcurrency',
  countries: 'countries',
  groupId: 'groupId',
  proxyPassword: 'proxyPassword',
};

export interface RequestMeta {
  auth: AuthContext;
  requestId: string;
  /** The request's Idempotency-Key, if any: a create remembers it on its intent. */
  idempotencyKey?: string;
}

/** Once a sub-user is being deleted or is deleted, no late answer may bring it back. */
const FINAL_STATUSES = ['deleting', 'deleted'];

export interface SubUserResult {
  subUser: SubUserDto;
  etag: string;
}

export function generateProxyPassword(length = 20): string {
  let password = '';
  for (let i = 0; i < length; i += 1) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

/**
 * The failures after which the provider certainly did not create anything: it answered with a
 * refusal, or the call never left the gateway. Anything else (timeout, 5xx, dropped connection)
 * may have created the sub-user, so the intent stays open for the sync to resolve.
 */
export function certainlyNotProcessed(error: unknown): boolean {
  if (!isGatewayError(error)) return false;
  if (error instanceof ProviderError) {
    if (error.reachedProvider === 'no') return true;
    return [
      'PROVIDER_REJECTED',
      'PROVIDER_AUTH_FAILED',
      'PROVIDER_NOT_FOUND',
      'PROVIDER_RATE_LIMITED',
    ].includes(error.code);
  }
  return true;
}

/** Orchestrates every sub-user operation: tenancy, provider call, mapping + audit in one transaction. */
@Injectable()
export class SubUsersService {
  constructor(
    private readonly mappings: SubUserMappingRepository,
    private readonly tenants: TenantRepository,
    private readonly accounts: ProviderAccountsService,
    private readonly registry: ProviderRegistry,
    private readonly audit: AuditService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async create(
    dto: CreateSubUserDto,
    meta: RequestMeta,
  ): Promise<{ subUser: CreatedSubUserDto; etag: string }> {
    const tenantId = await this.tenantForCreate(dto.tenantId, meta.auth);
    const account = await this.accountForCreate(dto);
    const provider = account.driver.provider;
    const { fields } = this.registry.describe(provider);

    const input: CreateSubUserInput = { name: dto.name };
    if (dto.trafficLimit !== undefined)
      input.trafficLimitBytes = parseTrafficLimit(dto.trafficLimit, 'trafficLimit');
    if (dto.maxConcurrency !== undefined) input.maxConcurrency = dto.maxConcurrency;
    if (dto.countries !== undefined) input.countries = dto.countries;
    if (dto.groupId !== undefined) input.groupId = dto.groupId;
    if (dto.proxyPassword !== undefined) input.proxyPassword = dto.proxyPassword;
    if (dto.notes !== undefined && fields.notes.support === 'native') input.notes = dto.notes;
    this.refuseUnsupported(provider, input);
    let generatedPassword: string | undefined;
    if (fields.proxyPassword.support === 'native' && input.proxyPassword === undefined) {
      generatedPassword = generateProxyPassword();
      input.proxyPassword = generatedPassword;
    }

    const requested = { ...dto, proxyPassword: undefined, tenantId };
    // A retry of a create whose answer was lost (same Idempotency-Key) must not create twice.
    const earlier = meta.idempotencyKey
      ? await this.earlierAttempt(tenantId, meta.idempotencyKey, requested, account)
      : null;
    if (earlier && earlier.lifecycle !== 'intent')
      return { subUser: this.view(earlier), etag: etagOf(earlier) };

    // The intent is committed before the provider is called: if the answer is lost, the sync
    // finds the sub-user by (account, name, time window) and completes this row, never a second one.
    const id = earlier?.id ?? randomUUID();
    if (!earlier) {
      const now = new Date();
      await this.mappings.create({
        id,
        tenantId,
        providerAccountId: account.record.id,
        provider,
        providerSubUserId: null,
        lifecycle: 'intent',
        status: 'provisioning',
        name: dto.name,
        gatewayNotes: fields.notes.support === 'gateway' ? (dto.notes ?? null) : null,
        metadata: dto.metadata ?? {},
        createKey: meta.idempotencyKey ?? null,
        intent: JSON.parse(
          JSON.stringify({
            requested,
            requestId: meta.requestId,
            startedAt: now.toISOString(),
          }),
        ),
        intentExpiresAt: new Date(now.getTime() + INTENT_WINDOW_MS),
      });
    }

    let created: ProviderSubUser;
    try {
      created = await account.driver.create(input, { priority: 'user' });
    } catch (error) {
      await this.failIntent(id, tenantId, error, requested, meta);
      throw error;
    }

    const mapping = await this.mappings.transaction(async (db) => {
      const completed = await this.mappings.updateIf(
        id,
        { lifecycles: ['intent'] },
        {
          providerSubUserId: created.providerSubUserId,
          lifecycle: 'active',
          status: created.status,
          name: created.name ?? dto.name,
          snapshot: toSnapshot(created),
          syncedAt: new Date(),
          // The intent (without secrets) stays as the record of the create request.
          intentExpiresAt: null,
        },
        db,
      );
      // A sync may have completed the intent in the meantime: that row is the sub-user.
      const row = completed ?? (await this.mappings.findById(id, db));
      if (!row) throw new GatewayError('INTERNAL', `create intent ${id} vanished`);
      await this.record(
        {
          action: 'sub-user.created',
          targetType: 'sub-user',
          targetId: id,
          tenantId,
          outcome: 'ok',
          changes: { request: requested, after: toSubUserDto(row, this.registry.capabilities(provider)) },
        },
        meta,
        db,
      );
      return row;
    });
    const subUser: CreatedSubUserDto = this.view(mapping);
    if (input.proxyPassword !== undefined) subUser.proxyPassword = input.proxyPassword;
    return { subUser, etag: etagOf(mapping) };
  }

  async get(id: string, auth: AuthContext, fresh: boolean): Promise<SubUserResult> {
    let mapping = await this.findOwned(id, auth, true);
    if (fresh && mapping.lifecycle === 'active' && mapping.providerSubUserId) {
      const { driver } = await this.accounts.resolve(mapping.providerAccountId);
      const current = await driver.get(mapping.providerSubUserId, { priority: 'user' });
      mapping = await this.storeSnapshot(mapping, current);
    }
    return { subUser: this.view(mapping), etag: etagOf(mapping) };
  }

  async list(query: ListSubUsersQueryDto, auth: AuthContext): Promise<Page<SubUserDto>> {
    const take = query.limit ?? DEFAULT_PAGE_LIMIT;
    if (query.tenantId !== undefined && !auth.isAdmin && query.tenantId !== auth.tenantId) {
      return { items: [], nextCursor: null };
    }
    const rows = await this.mappings.list(
      {
        tenantId: auth.isAdmin ? query.tenantId : auth.tenantId,
        provider: query.provider,
        providerAccountId: query.providerAccountId,
        status: query.status,
        nameContains: query.q,
        metadata: query.metadata,
      },
      { after: query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined, take: take + 1 },
    );
    const items = rows.slice(0, take);
    return {
      items: items.map((row) => this.view(row)),
      nextCursor: rows.length > take ? encodeCursor(items[items.length - 1]) : null,
    };
  }

  async update(
    id: string,
    dto: UpdateSubUserDto,
    ifMatch: string | undefined,
    meta: RequestMeta,
  ): Promise<SubUserResult> {
    const before = await this.findChangeable(id, meta.auth, ifMatch);
    const provider = before.provider as ProviderName;
    const { fields } = this.registry.describe(provider);

    const input: UpdateSubUserInput = {};
    if (dto.name !== undefined) input.name = dto.name;
    if (dto.trafficLimit !== undefined)
      input.trafficLimitBytes = parseTrafficLimit(dto.trafficLimit, 'trafficLimit');
    if (dto.maxConcurrency !== undefined) input.maxConcurrency = dto.maxConcurrency;
    if (dto.countries !== undefined) input.countries = dto.countries;
    if (dto.groupId !== undefined) input.groupId = dto.groupId;
    if (dto.notes !== undefined && fields.notes.support === 'native') input.notes = dto.notes;
    this.refuseUnsupported(provider, input);

    let current: ProviderSubUser | undefined;
    if (Object.keys(input).length > 0) {
      const { driver } = await this.accounts.resolve(before.providerAccountId);
      try {
        current = await driver.update(before.providerSubUserId!, input, { priority: 'user' });
      } catch (error) {
        await this.recordFailure('sub-user.updated', before, error, dto, meta);
        throw error;
      }
    }

    const after = await this.mappings.transaction(async (db) => {
      const latest = (await this.mappings.findById(id, db))!;
      const metadata = mergeMetadata(latest.metadata as Record<string, string>, dto.metadata);
      const changes: Prisma.SubUserMappingUncheckedUpdateManyInput = { metadata };
      if (dto.notes !== undefined && fields.notes.support === 'gateway') changes.gatewayNotes = dto.notes;
      if (current) {
        changes.snapshot = toSnapshot(current);
        changes.status = current.status;
        changes.name = current.name;
        changes.syncedAt = new Date();
      }
      const row = await this.mappings.updateIf(
        id,
        { lifecycles: ['active'], notStatuses: FINAL_STATUSES },
        changes,
        db,
      );
      if (!row) throw new GatewayError('CONFLICT', `Sub-user ${id} was deleted while it was being changed`);
      await this.record(
        {
          action: 'sub-user.updated',
          targetType: 'sub-user',
          targetId: id,
          tenantId: row.tenantId,
          outcome: 'ok',
          changes: { request: dto, before: this.view(before), after: this.view(row) },
        },
        meta,
        db,
      );
      return row;
    });
    return { subUser: this.view(after), etag: etagOf(after) };
  }

  async remove(id: string, ifMatch: string | undefined, meta: RequestMeta): Promise<SubUserResult> {
    const before = await this.findOwned(id, meta.auth);
    // Deleting what is already deleted or being deleted answers with its state.
    if (before.lifecycle === 'deleted' || before.status === 'deleted' || before.status === 'deleting') {
      return { subUser: this.view(before), etag: etagOf(before) };
    }
    this.assertChangeable(before, ifMatch);
    if (snapshotOf(before)?.isDefault) {
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
        await this.recordFailure('sub-user.deleted', before, error, null, meta);
        throw error;
      }
    }
    const after = await this.markDeleted(before, status, meta);
    return { subUser: this.view(after), etag: etagOf(after) };
  }

  /** Writes a delete's outcome (mapping + audit together); used by DELETE and the bulk-delete job. */
  async markDeleted(
    before: SubUserMapping,
    status: 'deleted' | 'deleting',
    meta: { auth: AuthContext | null; requestId: string | null },
    action = 'sub-user.deleted',
  ): Promise<SubUserMapping> {
    return this.mappings.transaction(async (db) => {
      const snapshot = snapshotOf(before);
      const row = await this.mappings.updateIf(
        before.id,
        { lifecycles: ['active'], notStatuses: status === 'deleting' ? FINAL_STATUSES : ['deleted'] },
        {
          status,
          lifecycle: status === 'deleted' ? 'deleted' : 'active',
          ...(snapshot ? { snapshot: toSnapshot({ ...snapshot, status }) } : {}),
        },
        db,
      );
      const current = row ?? (await this.mappings.findById(before.id, db))!;
      // The provider carried the delete out: it is recorded even when a concurrent call
      // (another delete, a PATCH answered "deleting", a sync) already moved the row there.
      await this.audit.record(
        {
          action,
          targetType: 'sub-user',
          targetId: before.id,
          tenantId: before.tenantId,
          actor: meta.auth,
          requestId: meta.requestId,
          outcome: 'ok',
          changes: { before: { status: before.status }, after: { status: current.status } },
        },
        db,
      );
      return current;
    });
  }

  async refreshProxyList(id: string, meta: RequestMeta): Promise<SubUserResult> {
    return this.providerAction(id, meta, 'sub-user.proxy-list-refreshed', (driver, providerId) =>
      requireOperation(driver, 'refreshProxyList')(providerId, { priority: 'user' }),
    );
  }

  async resetUsage(id: string, meta: RequestMeta): Promise<SubUserResult> {
    return this.providerAction(id, meta, 'sub-user.usage-reset', async (driver, providerId) => {
      await requireOperation(driver, 'resetUsage')(providerId, { priority: 'user' });
      return driver.get(providerId, { priority: 'user' });
    });
  }

  async rotatePassword(id: string, meta: RequestMeta): Promise<{ password: string }> {
    const mapping = await this.findChangeable(id, meta.auth, undefined);
    const { driver } = await this.accounts.resolve(mapping.providerAccountId);
    const setPassword = requireOperation(driver, 'setPassword');
    const password = generateProxyPassword();
    try {
      await setPassword(mapping.providerSubUserId!, password, { priority: 'user' });
    } catch (error) {
      await this.recordFailure('sub-user.password-rotated', mapping, error, null, meta);
      throw error;
    }
    await this.record(
      {
        action: 'sub-user.password-rotated',
        targetType: 'sub-user',
        targetId: id,
        tenantId: mapping.tenantId,
        outcome: 'ok',
      },
      meta,
    );
    return { password };
  }

  async credentials(id: string, meta: RequestMeta): Promise<CredentialsDto> {
    const mapping = await this.findChangeable(id, meta.auth, undefined);
    const { driver } = await this.accounts.resolve(mapping.providerAccountId);
    const credentials = await requireOperation(driver, 'getCredentials')(mapping.providerSubUserId!, {
      priority: 'user',
    });
    // Who read a secret is worth knowing; the secret itself is never recorded.
    await this.record(
      {
        action: 'sub-user.credentials-read',
        targetType: 'sub-user',
        targetId: id,
        tenantId: mapping.tenantId,
        outcome: 'ok',
      },
      meta,
    );
    return credentials;
  }

  /** The mapping, if the caller may see it; another tenant's sub-user is 404, never 403. */
  async findOwned(id: string, auth: AuthContext, cached = false): Promise<SubUserMapping> {
    const mapping = !UUID.test(id)
      ? null
      : cached
        ? await this.mappings.findByIdCached(id)
        : await this.mappings.findById(id);
    if (!mapping || !canAccessTenant(auth, mapping.tenantId))
      throw new GatewayError('NOT_FOUND', `No sub-user ${id}`);
    return mapping;
  }

  view(mapping: SubUserMapping): SubUserDto {
    return toSubUserDto(mapping, this.registry.capabilities(mapping.provider as ProviderName));
  }

  private async providerAction(
    id: string,
    meta: RequestMeta,
    action: string,
    call: (driver: ProviderDriver, providerSubUserId: string) => Promise<ProviderSubUser>,
  ): Promise<SubUserResult> {
    const mapping = await this.findChangeable(id, meta.auth, undefined);
    const { driver } = await this.accounts.resolve(mapping.providerAccountId);
    let current: ProviderSubUser;
    try {
      current = await call(driver, mapping.providerSubUserId!);
    } catch (error) {
      await this.recordFailure(action, mapping, error, null, meta);
      throw error;
    }
    const after = await this.mappings.transaction(async (db) => {
      const row =
        (await this.mappings.updateIf(
          id,
          { lifecycles: ['active'], notStatuses: FINAL_STATUSES },
          { snapshot: toSnapshot(current), status: current.status, syncedAt: new Date() },
          db,
        )) ?? (await this.mappings.findById(id, db))!;
      await this.record(
        { action, targetType: 'sub-user', targetId: id, tenantId: row.tenantId, outcome: 'ok' },
        meta,
        db,
      );
      return row;
    });
    return { subUser: this.view(after), etag: etagOf(after) };
  }

  /** Stores a fresh read only when the provider's data changed (no write on the hot path otherwise). */
  private async storeSnapshot(mapping: SubUserMapping, current: ProviderSubUser): Promise<SubUserMapping> {
    const snapshot = toSnapshot(current);
    if (sameSnapshot(mapping.snapshot, snapshot) && mapping.status === current.status) return mapping;
    const row = await this.mappings.updateIf(
      mapping.id,
      {
        lifecycles: ['active'],
        notStatuses: FINAL_STATUSES.includes(current.status) ? ['deleted'] : FINAL_STATUSES,
      },
      { snapshot, status: current.status, name: current.name, syncedAt: new Date() },
    );
    return row ?? mapping;
  }

  private async findChangeable(
    id: string,
    auth: AuthContext,
    ifMatch: string | undefined,
  ): Promise<SubUserMapping> {
    const mapping = await this.findOwned(id, auth);
    this.assertChangeable(mapping, ifMatch);
    return mapping;
  }

  private assertChangeable(mapping: SubUserMapping, ifMatch: string | undefined): void {
    if (
      ifMatch !== undefined &&
      ifMatch.trim() !== '*' &&
      !ifMatch
        .split(',')
        .map((tag) => tag.trim().replace(/^W\//, ''))
        .includes(etagOf(mapping))
    ) {
      throw new GatewayError(
        'PRECONDITION_FAILED',
        `If-Match ${ifMatch} does not match the current ETag ${etagOf(mapping)}`,
      );
    }
    if (mapping.lifecycle === 'intent') {
      throw new GatewayError('CONFLICT', `Sub-user ${mapping.id} is still being created; try again shortly`);
    }
    if (mapping.lifecycle === 'deleted' || mapping.status === 'deleted' || mapping.status === 'deleting') {
      throw new GatewayError('CONFLICT', `Sub-user ${mapping.id} is ${mapping.status}`);
    }
  }

  private refuseUnsupported(provider: ProviderName, input: CreateSubUserInput | UpdateSubUserInput): void {
    const { fields } = this.registry.describe(provider);
    for (const [field, value] of Object.entries(input) as [SubUserInputField, unknown][]) {
      if (value === undefined || value === null) continue;
      if (fields[field].support === 'unsupported')
        throw new UnsupportedByProviderError(provider, API_FIELD[field]);
    }
  }

  private async tenantForCreate(requested: string | undefined, auth: AuthContext): Promise<string> {
    if (requested === undefined || requested === auth.tenantId) return auth.tenantId;
    if (!auth.isAdmin)
      throw new GatewayError('FORBIDDEN', 'Only admin keys may create sub-users in another tenant');
    if (!(await this.tenants.findById(requested))) {
      throw new GatewayError('VALIDATION_FAILED', `tenantId: no tenant ${requested}`, {
        fieldErrors: [{ field: 'tenantId', message: 'no such tenant' }],
      });
    }
    return requested;
  }

  private async accountForCreate(dto: CreateSubUserDto): Promise<ResolvedAccount> {
    if (dto.providerAccountId) {
      const account = await this.accounts.resolve(dto.providerAccountId).catch((error: unknown) => {
        if (isGatewayError(error) && error.code === 'NOT_FOUND') {
          throw new GatewayError(
            'VALIDATION_FAILED',
            `providerAccountId: no provider account ${dto.providerAccountId}`,
            {
              fieldErrors: [{ field: 'providerAccountId', message: 'no such provider account' }],
            },
          );
        }
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
    const accounts = await this.accounts.allAccounts();
    const defaults = accounts.filter((account) => account.isDefault);
    if (defaults.length === 1) return this.accounts.resolve(defaults[0].id);
    throw new GatewayError(
      'VALIDATION_FAILED',
      'Name providerAccountId or provider (no DEFAULT_PROVIDER is configured)',
      {
        fieldErrors: [{ field: 'provider', message: 'required when several providers are configured' }],
      },
    );
  }

  /**
   * The row an earlier attempt with the same Idempotency-Key left. An open intent is resolved
   * first, with the account's sync (which finds a sub-user the provider did create): the caller
   * gets that sub-user instead of a second one; if the provider has none, the intent is reused.
   */
  private async earlierAttempt(
    tenantId: string,
    idempotencyKey: string,
    requested: unknown,
    account: ResolvedAccount,
  ): Promise<SubUserMapping | null> {
    const row = await this.mappings.findByCreateKey(tenantId, idempotencyKey);
    if (!row) return null;
    const earlierRequest = (row.intent as { requested?: unknown } | null)?.requested;
    if (
      canonicalJson(earlierRequest) !== canonicalJson(requested) ||
      row.providerAccountId !== account.record.id
    ) {
      throw new GatewayError(
        'IDEMPOTENCY_CONFLICT',
        'This Idempotency-Key was used for a different create request',
      );
    }
    if (row.lifecycle !== 'intent') return row;
    // Resolved lazily: the sync module builds on this one.
    const sync = this.moduleRef.get(SyncJob, { strict: false });
    const result = await sync.syncAccount(
      account.record,
      { keyId: null, requestId: null },
      { signal: new AbortController().signal, progress: () => undefined },
    );
    if (!result.ok) {
      throw new ProviderError(
        account.driver.provider,
        'PROVIDER_UNAVAILABLE',
        'Could not confirm whether the earlier attempt created the sub-user; retry later',
        { reachedProvider: 'no' },
      );
    }
    // Completed (the provider had it), gone (expired: create anew), or still open (reuse it).
    return this.mappings.findById(row.id);
  }

  private async failIntent(
    id: string,
    tenantId: string,
    error: unknown,
    requested: unknown,
    meta: RequestMeta,
  ): Promise<void> {
    const certain = certainlyNotProcessed(error);
    await this.mappings.transaction(async (db) => {
      if (certain) await this.mappings.deleteIntent(id, db);
      await this.record(
        {
          action: 'sub-user.created',
          targetType: 'sub-user',
          targetId: id,
          tenantId,
          outcome: 'error',
          errorCode: isGatewayError(error) ? error.code : 'INTERNAL',
          providerRequestId: error instanceof ProviderError ? (error.providerRequestId ?? null) : null,
          // An uncertain failure leaves the intent open: the sync completes or expires it.
          changes: {
            request: requested,
            after: certain ? null : { status: 'provisioning', intentOpen: true },
          },
        },
        meta,
        db,
      );
    });
  }

  private async recordFailure(
    action: string,
    mapping: SubUserMapping,
    error: unknown,
    request: unknown,
    meta: RequestMeta,
  ): Promise<void> {
    await this.record(
      {
        action,
        targetType: 'sub-user',
        targetId: mapping.id,
        tenantId: mapping.tenantId,
        outcome: 'error',
        errorCode: isGatewayError(error) ? error.code : 'INTERNAL',
        providerRequestId: error instanceof ProviderError ? (error.providerRequestId ?? null) : null,
        changes: request ? { request } : null,
      },
      meta,
    );
  }

  private record(
    event: Omit<AuditEventInput, 'actor' | 'requestId'>,
    meta: RequestMeta,
    db?: Prisma.TransactionClient,
  ): Promise<void> {
    return this.audit.record({ ...event, actor: meta.auth, requestId: meta.requestId }, db);
  }
}

function mergeMetadata(
  current: Record<string, string>,
  patch: Record<string, string | null> | undefined,
): Record<string, string> {
  if (!patch) return current;
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
