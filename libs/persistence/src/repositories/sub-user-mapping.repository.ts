import { Injectable } from '@nestjs/common';
import { Prisma, SubUserMapping } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

type Db = Prisma.TransactionClient;

/** The gateway's record lifecycle of a mapping (the provider's status lives in `status`). */
export type MappingLifecycle = 'intent' | 'active' | 'deleted';

export interface SubUserListFilter {
  tenantId?: string;
  provider?: string;
  providerAccountId?: string;
  /** One status; absent = every status but `deleted`. */
  status?: string;
  nameContains?: string;
  metadata?: Record<string, string>;
}

export interface ListPosition {
  createdAt: Date;
  id: string;
}

/** Every column of the table under its model name, for the raw list query. */
const MAPPING_COLUMNS = Prisma.raw(
  [
    'id',
    'tenant_id AS "tenantId"',
    'provider_account_id AS "providerAccountId"',
    'provider',
    'provider_sub_user_id AS "providerSubUserId"',
    'lifecycle',
    'status',
    'name',
    'gateway_notes AS "gatewayNotes"',
    'metadata',
    'snapshot',
    'intent',
    'intent_expires_at AS "intentExpiresAt"',
    'create_key AS "createKey"',
    'version',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
    'synced_at AS "syncedAt"',
  ].join(', '),
);

const CACHE_TTL_MS = 1_000;
const CACHE_MAX_ENTRIES = 10_000;

export type NewMapping = Prisma.SubUserMappingUncheckedCreateInput;

/** A provider sub-user adopted by the sync (snapshot already reduced to the allow-list). */
export interface AdoptedMapping {
  id: string;
  tenant_id: string;
  provider_account_id: string;
  provider: string;
  provider_sub_user_id: string;
  status: string;
  name: string | null;
  snapshot: Prisma.InputJsonValue;
}

/** An audit event written by the sync (outcome ok; secrets already removed). */
export interface SyncAuditEvent {
  id: string;
  actor_key_id: string | null;
  tenant_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  changes: unknown;
  request_id: string | null;
}
export type MappingChanges = Prisma.SubUserMappingUncheckedUpdateManyInput;

@Injectable()
export class SubUserMappingRepository {
  private readonly cache = new Map<string, { row: SubUserMapping; expiresAt: number }>();
  private generation = 0;

  constructor(private readonly prisma: PrismaService) {}

  get client() {
    return this.prisma.client;
  }

  /**
   * The hot path's read (GET /v1/sub-users/:id): served from a small in-process cache for at
   * most CACHE_TTL_MS. Every write through this repository drops the row (a transaction drops
   * the whole cache when it commits), so this process never serves its own stale writes; another
   * replica's writes are seen within the TTL. Conditional writes (If-Match, lifecycle) never use
   * it: they read the database.
   */
  async findByIdCached(id: string): Promise<SubUserMapping | null> {
    const hit = this.cache.get(id);
    if (hit && hit.expiresAt > Date.now()) return hit.row;
    const generation = this.generation;
    const row = await this.findById(id);
    // A write that finished while this read was in flight may have made `row` stale.
    if (row && generation === this.generation) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, { row, expiresAt: Date.now() + CACHE_TTL_MS });
    }
    return row;
  }

  private forget(id?: string): void {
    this.generation += 1;
    if (id === undefined) this.cache.clear();
    else this.cache.delete(id);
  }

  findById(id: string, db: Db = this.prisma.client): Promise<SubUserMapping | null> {
    return db.subUserMapping.findUnique({ where: { id } });
  }

  findByProviderId(providerAccountId: string, providerSubUserId: string): Promise<SubUserMapping | null> {
    return this.prisma.client.subUserMapping.findUnique({
      where: { providerAccountId_providerSubUserId: { providerAccountId, providerSubUserId } },
    });
  }

  findManyByIds(ids: string[]): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({ where: { id: { in: ids } } });
  }

  /** Every mapping of an account that is not deleted (the sync compares them with the provider's list). */
  findLiveByAccount(providerAccountId: string): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({
      where: { providerAccountId, lifecycle: { not: 'deleted' } },
    });
  }

  create(mapping: NewMapping, db: Db = this.prisma.client): Promise<SubUserMapping> {
    return db.subUserMapping.create({ data: mapping });
  }

  /**
   * Changes a mapping only while it is still in one of `lifecycles` (and, when given, still at
   * `version`): a late write can never resurrect a deleted sub-user. Bumps the version (ETag).
   * Returns the new row, or null when the condition no longer held.
   */
  async updateIf(
    id: string,
    condition: { lifecycles?: MappingLifecycle[]; version?: number; notStatuses?: string[] },
    changes: MappingChanges,
    db: Db = this.prisma.client,
  ): Promise<SubUserMapping | null> {
    this.forget(id);
    const { count } = await db.subUserMapping.updateMany({
      where: {
        id,
        ...(condition.lifecycles ? { lifecycle: { in: condition.lifecycles } } : {}),
        ...(condition.version !== undefined ? { version: condition.version } : {}),
        ...(condition.notStatuses ? { status: { notIn: condition.notStatuses } } : {}),
      },
      data: { ...changes, version: { increment: 1 } },
    });
    this.forget(id);
    return count === 0 ? null : db.subUserMapping.findUnique({ where: { id } });
  }

  /** The row a create with this Idempotency-Key started (open, completed or deleted since). */
  findByCreateKey(tenantId: string, idempotencyKey: string): Promise<SubUserMapping | null> {
    return this.prisma.client.subUserMapping.findFirst({
      where: { tenantId, createKey: idempotencyKey },
      orderBy: { createdAt: 'desc' },
    });
  }

  deleteIntent(id: string, db: Db = this.prisma.client): Promise<Prisma.BatchPayload> {
    this.forget(id);
    return db.subUserMapping.deleteMany({ where: { id, lifecycle: 'intent' } });
  }

  /** Open create intents of an account, oldest first. */
  findOpenIntents(providerAccountId: string, db: Db = this.prisma.client): Promise<SubUserMapping[]> {
    return db.subUserMapping.findMany({
      where: { providerAccountId, lifecycle: 'intent' },
      orderBy: { createdAt: 'asc' },
    });
  }

  /**
   * One page of the local list, newest first. Plain SQL: row-value cursors and JSON
   * containment (`metadata @> {...}`, served by a GIN index) have no Prisma filter form, and
   * reading rows without Prisma's per-row mapping keeps a page cheap at 100k sub-users.
   */
  list(
    filter: SubUserListFilter,
    options: { after?: ListPosition; take: number },
  ): Promise<SubUserMapping[]> {
    const conditions: Prisma.Sql[] = [];
    if (filter.tenantId !== undefined) conditions.push(Prisma.sql`tenant_id = ${filter.tenantId}`);
    if (filter.provider !== undefined) conditions.push(Prisma.sql`provider = ${filter.provider}`);
    if (filter.providerAccountId !== undefined) {
      conditions.push(Prisma.sql`provider_account_id = ${filter.providerAccountId}::uuid`);
    }
    conditions.push(
      filter.status !== undefined ? Prisma.sql`status = ${filter.status}` : Prisma.sql`status <> 'deleted'`,
    );
    if (filter.nameContains) {
      const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      conditions.push(Prisma.sql`name ILIKE ${pattern}`);
    }
    if (filter.metadata && Object.keys(filter.metadata).length > 0) {
      conditions.push(Prisma.sql`metadata @> ${JSON.stringify(filter.metadata)}::jsonb`);
    }
    if (options.after) {
      // A row-value bound: the index starts right after the cursor.
      conditions.push(Prisma.sql`(created_at, id) < (${options.after.createdAt}, ${options.after.id}::uuid)`);
    }
    return this.prisma.client.$queryRaw<SubUserMapping[]>`
      SELECT ${MAPPING_COLUMNS} FROM sub_user_mappings
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY created_at DESC, id DESC
       LIMIT ${options.take}`;
  }

  /** Mappings of an account that the provider should still hold (the sync's view before it lists). */
  findActiveByAccount(providerAccountId: string): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({
      where: { providerAccountId, lifecycle: 'active' },
    });
  }

  /** Mappings waiting for the provider to finish a deletion (ProxyHat answers `deleting`). */
  findDeleting(take: number): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({
      where: { lifecycle: 'active', status: 'deleting' },
      orderBy: { updatedAt: 'asc' },
      take,
    });
  }

  /** Accounts with create intents older than `before` (their answer was lost; a sync resolves them). */
  async accountsWithOpenIntents(before: Date = new Date()): Promise<string[]> {
    const rows = await this.prisma.client.subUserMapping.findMany({
      where: { lifecycle: 'intent', createdAt: { lt: before } },
      select: { providerAccountId: true },
      distinct: ['providerAccountId'],
    });
    return rows.map((row) => row.providerAccountId);
  }

  /**
   * Adopts many provider sub-users at once (sync): one statement per batch, skipping any whose
   * (account, provider id) another writer stored meanwhile; returns the ids actually inserted.
   * Raw SQL because Prisma's per-row work dominated a 10,000-row adoption.
   */
  async insertAdopted(rows: AdoptedMapping[], at: Date, db: Db = this.prisma.client): Promise<string[]> {
    if (rows.length === 0) return [];
    const inserted = await db.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, provider_sub_user_id,
              lifecycle, status, name, metadata, snapshot, version, created_at, updated_at, synced_at)
       SELECT r.id, r.tenant_id, r.provider_account_id, r.provider, r.provider_sub_user_id,
              'active', r.status, r.name, '{}'::jsonb, r.snapshot, 1, $2::timestamptz, $2::timestamptz, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, tenant_id text, provider_account_id uuid, provider text,
              provider_sub_user_id text, status text, name text, snapshot jsonb)
       ON CONFLICT (provider_account_id, provider_sub_user_id) DO NOTHING
       RETURNING id::text AS id`,
      JSON.stringify(rows),
      at.toISOString(),
    );
    return inserted.map((row) => row.id);
  }

  /** Audit rows of a sync batch in one statement (written in the batch's transaction). */
  async insertAuditEvents(events: SyncAuditEvent[], at: Date, db: Db = this.prisma.client): Promise<void> {
    if (events.length === 0) return;
    await db.$executeRawUnsafe(
      `INSERT INTO audit_events (id, created_at, actor_key_id, tenant_id, action, target_type, target_id,
              changes, outcome, request_id)
       SELECT r.id, $2::timestamptz, r.actor_key_id, r.tenant_id, r.action, r.target_type, r.target_id,
              r.changes, 'ok', r.request_id
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, actor_key_id text, tenant_id text, action text,
              target_type text, target_id text, changes jsonb, request_id text)`,
      JSON.stringify(events),
      at.toISOString(),
    );
  }

  /** Records that the provider still reports these mappings unchanged (no version bump, no updatedAt). */
  async touchSynced(ids: string[], at: Date, db: Db = this.prisma.client): Promise<void> {
    if (ids.length === 0) return;
    this.forget();
    await db.$executeRawUnsafe(
      'UPDATE sub_user_mappings SET synced_at = $1 WHERE id = ANY($2::uuid[])',
      at,
      ids,
    );
  }

  /** Runs `work` in one transaction (mapping + audit are always written together). */
  async transaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await this.prisma.client.$transaction(work);
    } finally {
      // Rows written inside may have been read (and cached) before the commit.
      this.forget();
    }
  }
}
