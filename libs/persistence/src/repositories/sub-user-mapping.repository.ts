import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { SubUserMapping } from '../generated/prisma/client';
import { findRow, mappingColumns, mappingRows } from '../ledger/mapping-rows';
import { VIEW_COLUMNS, type ViewRow, viewRowsAsJson } from '../ledger/view-rows';
import { SqlParams } from '../sql';
import { PrismaService } from '../prisma.service';

export interface SubUserListFilter {
  tenantId?: string;
  provider?: string;
  providerAccountId?: string;
  /** One status; absent = every status but `deleted`. */
  status?: string;
  nameContains?: string;
  metadata?: Record<string, string>;
}

/** An active record as a sync's missing-check needs it. */
export interface ActiveKey {
  id: string;
  providerSubUserId: string | null;
  status: string;
  version: number;
}

export interface ListPosition {
  createdAt: Date;
  id: string;
}

const CACHE_TTL_MS = 1_000;
const CACHE_MAX_ENTRIES = 10_000;

/** Reads of sub-user records; every write goes through the ledger. */
@Injectable()
export class SubUserMappingRepository {
  // lru-cache evicts in O(1): a Map evicting its oldest key walks over the holes its earlier
  // deletes left (4 us instead of 1 per miss once full, measured with random ids). Its clock is
  // read on every call (ttlResolution 0): its default caches "now" for a timer tick, which a
  // busy event loop stretches past the TTL.
  private readonly cache = new LRUCache<string, { row: SubUserMapping; generation: number }>({
    max: CACHE_MAX_ENTRIES,
    ttl: CACHE_TTL_MS,
    ttlResolution: 0,
  });
  /** Bumped by every write. */
  private generation = 0;
  /**
   * Entries cached before this generation are void: dropping them all is O(1), where clear()
   * refills the cache's arrays (32 us for 10,000 entries, after every ledger transaction).
   */
  private validFrom = 0;

  constructor(private readonly prisma: PrismaService) {}

  /**
   * The hot path's read (GET /v1/sub-users/:id): served from a small in-process cache for at
   * most CACHE_TTL_MS. Every write of the ledger drops the row (a transaction drops the whole
   * cache when it commits), so this process never serves its own stale writes; another
   * replica's writes are seen within the TTL. Conditional writes (If-Match, lifecycle) never use
   * it: they read the database.
   */
  async findByIdCached(id: string): Promise<SubUserMapping | null> {
    // One entry per record however the caller spelled its id (a UUID's case is not significant):
    // writes drop it by the record's own, lower-case id.
    const key = id.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.generation >= this.validFrom) return hit.row;
    const generation = this.generation;
    const row = await this.findById(id);
    // A write that finished while this read was in flight may have made `row` stale.
    if (row && generation === this.generation) this.cache.set(key, { row, generation });
    return row;
  }

  /** Drops cached reads; the ledger calls it after every write. */
  forget(id?: string): void {
    this.generation += 1;
    if (id === undefined) this.validFrom = this.generation;
    else this.cache.delete(id.toLowerCase());
  }

  /** By primary key, on the plain SQL client (the hot read: GET /v1/sub-users/:id, fresh or not). */
  findById(id: string): Promise<SubUserMapping | null> {
    return findRow(this.prisma.sql, id);
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

  /** The row a create with this Idempotency-Key started (open, completed or deleted since). */
  findByCreateKey(tenantId: string, idempotencyKey: string): Promise<SubUserMapping | null> {
    return this.prisma.client.subUserMapping.findUnique({
      where: { tenantId_createKey: { tenantId, createKey: idempotencyKey } },
    });
  }

  /**
   * One page of the local list, newest first. Plain SQL on the plain client: row-value cursors
   * and JSON containment (`metadata @> {...}`, served by a GIN index) have no Prisma filter form,
   * and reading rows without Prisma keeps a page of 500 cheap. Only the columns of the view, each
   * row as one JSON text (see viewRowsAsJson).
   */
  list(filter: SubUserListFilter, options: { after?: ListPosition; take: number }): Promise<ViewRow[]> {
    const params = new SqlParams();
    const conditions: string[] = [];
    if (filter.tenantId !== undefined) conditions.push(`tenant_id = ${params.add(filter.tenantId)}`);
    if (filter.provider !== undefined) conditions.push(`provider = ${params.add(filter.provider)}`);
    if (filter.providerAccountId !== undefined) {
      conditions.push(`provider_account_id = ${params.add(filter.providerAccountId)}::uuid`);
    }
    conditions.push(
      filter.status !== undefined ? `status = ${params.add(filter.status)}` : `status <> 'deleted'`,
    );
    if (filter.nameContains) {
      const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      conditions.push(`name ILIKE ${params.add(pattern)}`);
    }
    if (filter.metadata && Object.keys(filter.metadata).length > 0) {
      conditions.push(`metadata @> ${params.add(JSON.stringify(filter.metadata))}::jsonb`);
    }
    if (options.after) {
      // A row-value bound: the index starts right after the cursor.
      conditions.push(
        `(created_at, id) < (${params.add(options.after.createdAt.toISOString())}::timestamptz, ${params.add(options.after.id)}::uuid)`,
      );
    }
    return viewRowsAsJson(
      this.prisma.sql,
      `SELECT ${VIEW_COLUMNS} FROM sub_user_mappings
        WHERE ${conditions.join(' AND ')}
        ORDER BY created_at DESC, id DESC
        LIMIT ${params.add(options.take)}::int`,
      params.values,
    );
  }

  /**
   * What a sync needs of an account's active records before it lists (to tell which went
   * missing): ids, provider ids, status and version only, so 100,000 of them stay small.
   */
  async activeKeysByAccount(providerAccountId: string): Promise<ActiveKey[]> {
    return this.prisma.sql.query<ActiveKey>(
      `SELECT id, provider_sub_user_id AS "providerSubUserId", status, version
         FROM sub_user_mappings WHERE provider_account_id = $1::uuid AND lifecycle = 'active'`,
      [providerAccountId],
    );
  }

  /** The records (not deleted) of one page of a listing, by provider id. */
  findLiveByProviderIds(providerAccountId: string, providerSubUserIds: string[]): Promise<SubUserMapping[]> {
    return mappingRows(
      this.prisma.sql,
      `SELECT ${mappingColumns()} FROM sub_user_mappings
        WHERE provider_account_id = $1::uuid AND provider_sub_user_id = ANY($2::text[]) AND lifecycle <> 'deleted'`,
      [providerAccountId, providerSubUserIds],
    );
  }

  /** An account's open create intents (few: creates waiting for their answer, or for a sync). */
  openIntentsByAccount(providerAccountId: string): Promise<SubUserMapping[]> {
    return mappingRows(
      this.prisma.sql,
      `SELECT ${mappingColumns()} FROM sub_user_mappings WHERE provider_account_id = $1::uuid AND lifecycle = 'intent'`,
      [providerAccountId],
    );
  }

  /** Mappings of an account that the provider should still hold (the sync's view before it lists). */
  findActiveByAccount(providerAccountId: string): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({
      where: { providerAccountId, lifecycle: 'active' },
    });
  }

  /** A tenant's sub-users that traffic can flow through (not suspended, not on their way out). */
  findActiveByTenant(tenantId: string): Promise<SubUserMapping[]> {
    return this.prisma.client.subUserMapping.findMany({
      where: { tenantId, lifecycle: 'active', status: { notIn: ['suspended', 'deleting', 'deleted'] } },
      orderBy: { createdAt: 'asc' },
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
}
