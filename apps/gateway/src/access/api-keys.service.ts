import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import {
  type ApiKey,
  ApiKeyRepository,
  AuditRepository,
  IdempotencyRepository,
  Ledger,
  TenantRepository,
  Transactions,
  isUniqueViolation,
} from '@app/persistence';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { ALL_SCOPES, AuthContext, Scope } from './auth-context';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, ListApiKeysQueryDto } from './dto/api-key.dto';
import { displayPrefix, generateApiKey, hashApiKey } from './key-material';
import { Clock } from '../common/clock';
import { ApiKeyCache } from './api-key-cache';
import { RevocationBus } from './revocation-bus';
import { type IdempotencySlot, answerWithin, answered } from '../idempotency/idempotency.service';

export const DEFAULT_TENANT_ID = 'default';
export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';

const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_KEY_LENGTH = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toApiKeyDto(row: ApiKey): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    tenantId: row.tenantId,
    scopes: row.scopes as Scope[],
    prefix: row.keyPrefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

function toAuthContext(row: ApiKey): AuthContext {
  const scopes = row.scopes.filter((scope): scope is Scope =>
    (ALL_SCOPES as readonly string[]).includes(scope),
  );
  return { keyId: row.id, tenantId: row.tenantId, scopes, isAdmin: scopes.includes('admin') };
}

/** API keys: authentication on the hot path (cached), creation, listing, revocation, bootstrap. */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');
  private readonly cache: ApiKeyCache;
  private readonly lastUsedWrittenAt = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly tenants: TenantRepository,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly bus: RevocationBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly clock: Clock,
    private readonly idempotencyRecords: IdempotencyRepository,
    private readonly audit: AuditRepository,
  ) {
    this.cache = new ApiKeyCache(clock);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.start((keyId) => this.forget(keyId));
    await this.bootstrap();
  }

  /** The caller's context for a presented key, or null when it is unknown or revoked. */
  async authenticate(key: string): Promise<AuthContext | null> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    const hash = hashApiKey(key);
    const now = this.clock.now();
    const cached = this.cache.get(hash);
    if (cached !== undefined) {
      if (cached) this.noteUse(cached.keyId, now);
      return cached;
    }
    const ticket = this.cache.ticket();
    const row = await this.keys.findByHash(hash);
    const auth = row && !row.revokedAt ? toAuthContext(row) : null;
    this.cache.set(hash, auth, ticket);
    if (row && auth) {
      if (!this.lastUsedWrittenAt.has(row.id))
        this.lastUsedWrittenAt.set(row.id, row.lastUsedAt?.getTime() ?? 0);
      this.noteUse(row.id, now);
    }
    return auth;
  }

  async create(
    auth: AuthContext,
    input: CreateApiKeyDto,
    requestId: string,
    idempotency?: IdempotencySlot,
  ): Promise<CreatedApiKeyDto> {
    if (input.name === BOOTSTRAP_KEY_NAME) {
      throw new GatewayError('VALIDATION_FAILED', `name: "${BOOTSTRAP_KEY_NAME}" is reserved`, {
        fieldErrors: [
          { field: 'name', message: `"${BOOTSTRAP_KEY_NAME}" is reserved for the configured admin key` },
        ],
      });
    }
    const tenantId = input.tenantId ?? auth.tenantId;
    if (!(await this.tenants.findById(tenantId))) {
      throw new GatewayError('VALIDATION_FAILED', 'tenantId: no such tenant', {
        fieldErrors: [{ field: 'tenantId', message: 'no such tenant' }],
      });
    }
    const key = generateApiKey();
    const keyHash = hashApiKey(key);
    const row = await this.transactions.run(async (tx) => {
      const created = await this.keys.create(
        {
          id: randomUUID(),
          tenantId,
          name: input.name,
          keyHash,
          keyPrefix: displayPrefix(key),
          scopes: [...new Set(input.scopes)],
        },
        tx,
      );
      await this.ledger.recordChange(
        {
          action: 'api-key.created',
          targetType: 'api-key',
          targetId: created.id,
          tenantId,
          actor: { keyId: auth.keyId, requestId },
          changes: { after: toApiKeyDto(created) },
          outcome: 'ok',
        },
        tx,
      );
      // A retry after a crash here replays this key instead of making a second one.
      await answerWithin(this.idempotencyRecords, idempotency, { ...toApiKeyDto(created), key }, tx);
      return created;
    });
    answered(idempotency);
    this.cache.forgetHash(keyHash);
    return { ...toApiKeyDto(row), key };
  }

  async list(query: ListApiKeysQueryDto): Promise<Page<ApiKeyDto>> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const rows = await this.keys.list({ tenantId: query.tenantId, after, take: limit + 1 });
    return toPage(rows, limit, toApiKeyDto);
  }

  /** Revokes at once here and (through Redis) on every replica; revoking twice answers the same. */
  async revoke(auth: AuthContext, id: string, requestId: string): Promise<ApiKeyDto> {
    const existing = UUID.test(id) ? await this.keys.findById(id) : null;
    if (!existing || !auth.isAdmin) throw new GatewayError('NOT_FOUND', `No API key with id ${id}`);
    if (existing.revokedAt) return toApiKeyDto(existing);
    const revoked = await this.transactions.run(async (tx) => {
      const row = (await this.keys.revoke(id, new Date(), tx))!;
      await this.ledger.recordChange(
        {
          action: 'api-key.revoked',
          targetType: 'api-key',
          targetId: id,
          tenantId: row.tenantId,
          actor: { keyId: auth.keyId, requestId },
          changes: { before: toApiKeyDto(existing), after: toApiKeyDto(row) },
          outcome: 'ok',
        },
        tx,
      );
      return row;
    });
    this.forget(id);
    this.bus.publish(id);
    return toApiKeyDto(revoked);
  }

  /** Drops a key from this replica's cache (after a local or remote revocation). */
  forget(keyId: string): void {
    this.cache.forgetKey(keyId);
    this.lastUsedWrittenAt.delete(keyId);
  }

  /** `lastUsedAt` is written at most once a minute per key and never awaited by the request. */
  private noteUse(keyId: string, now: number): void {
    const last = this.lastUsedWrittenAt.get(keyId) ?? 0;
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrittenAt.set(keyId, now);
    this.keys.touchLastUsed(keyId, new Date(now)).catch((error: Error) => {
      this.logger.warn(`Could not record key use: ${error.message}`);
    });
  }

  /** Whether the key's last revocation came through the API (an operator), not a rotation at start. */
  private async revokedThroughApi(id: string): Promise<boolean> {
    const [revocation] = await this.audit.list({ targetId: id, action: 'api-key.revoked' }, { take: 1 });
    return revocation?.actorKeyId != null;
  }

  private async reinstate(key: ApiKey): Promise<ApiKey> {
    const row = await this.transactions.run(async (tx) => {
      const reinstated = await this.keys.reinstate(key.id, tx);
      await this.ledger.recordChange(
        {
          action: 'api-key.reinstated',
          targetType: 'api-key',
          targetId: key.id,
          tenantId: DEFAULT_TENANT_ID,
          actor: { keyId: null, requestId: null },
          changes: {
            before: toApiKeyDto(key),
            after: toApiKeyDto(reinstated),
            request: { reason: 'GATEWAY_ADMIN_KEY set back to this key' },
          },
          outcome: 'ok',
        },
        tx,
      );
      return reinstated;
    });
    this.logger.warn(
      `Reinstated the bootstrap admin key ${key.keyPrefix}… (GATEWAY_ADMIN_KEY set back to it)`,
    );
    return row;
  }

  /**
   * The `default` tenant and the configured admin key exist after every start (unless an operator
   * revoked that key through the API); a bootstrap key left from an earlier GATEWAY_ADMIN_KEY is
   * revoked, so changing the variable rotates it, and setting an earlier value back brings its key back.
   */
  private async bootstrap(): Promise<void> {
    await this.tenants.ensure({ id: DEFAULT_TENANT_ID, name: DEFAULT_TENANT_ID });
    const adminKey = this.config.security.adminKey;
    if (!adminKey) {
      this.logger.warn('GATEWAY_ADMIN_KEY is not set: no admin key was bootstrapped');
      return;
    }
    const keyHash = hashApiKey(adminKey);
    let current = await this.keys.findByHash(keyHash);
    if (!current) {
      try {
        current = await this.transactions.run(async (tx) => {
          const created = await this.keys.create(
            {
              id: randomUUID(),
              tenantId: DEFAULT_TENANT_ID,
              name: BOOTSTRAP_KEY_NAME,
              keyHash,
              keyPrefix: displayPrefix(adminKey),
              scopes: ['admin'],
            },
            tx,
          );
          await this.ledger.recordChange(
            {
              action: 'api-key.created',
              targetType: 'api-key',
              targetId: created.id,
              tenantId: DEFAULT_TENANT_ID,
              actor: { keyId: null, requestId: null },
              changes: { after: toApiKeyDto(created) },
              outcome: 'ok',
            },
            tx,
          );
          return created;
        });
        this.logger.log('Bootstrapped the admin API key from GATEWAY_ADMIN_KEY');
      } catch (error) {
        // Another replica bootstrapped it at the same moment.
        if (!isUniqueViolation(error)) throw error;
        current = (await this.keys.findByHash(keyHash))!;
      }
    } else if (current.revokedAt) {
      if (await this.revokedThroughApi(current.id)) {
        // An operator revoked it (a leaked key): it must not come back with the next start of any
        // replica, and the other bootstrap keys are left as they are. A new value bootstraps a key.
        this.logger.error(
          `GATEWAY_ADMIN_KEY (${current.keyPrefix}…) was revoked at ${current.revokedAt.toISOString()} and stays revoked: set a new value to bootstrap an admin key`,
        );
        return;
      }
      // Revoked by a start with another value (the rotation below): going back to this value is a
      // rollback, which brings the key back as the configuration says.
      current = await this.reinstate(current);
    }
    const previous = await this.keys.findActiveByName(DEFAULT_TENANT_ID, BOOTSTRAP_KEY_NAME);
    for (const old of previous.filter((row) => row.id !== current!.id)) {
      await this.transactions.run(async (tx) => {
        const row = (await this.keys.revoke(old.id, new Date(), tx))!;
        await this.ledger.recordChange(
          {
            action: 'api-key.revoked',
            targetType: 'api-key',
            targetId: old.id,
            tenantId: DEFAULT_TENANT_ID,
            actor: { keyId: null, requestId: null },
            changes: {
              before: toApiKeyDto(old),
              after: toApiKeyDto(row),
              request: { reason: 'admin key changed' },
            },
            outcome: 'ok',
          },
          tx,
        );
      });
      this.forget(old.id);
      this.bus.publish(old.id);
      this.logger.log(
        `Revoked the previous bootstrap admin key ${old.keyPrefix}… (GATEWAY_ADMIN_KEY changed)`,
      );
    }
  }
}
