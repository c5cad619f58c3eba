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

export type NewMapping = Prisma.SubUserMappingUncheckedCreateInput;
export type MappingChanges = Prisma.SubUserMappingUncheckedUpdateManyInput;

@Injectable()
export class SubUserMappingRepository {
  constructor(private readonly prisma: PrismaService) {}

  get client() {
    return this.prisma.client;
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
    condition: { lifecycles?: MappingLifecycle[]; version?: number },
    changes: MappingChanges,
    db: Db = this.prisma.client,
  ): Promise<SubUserMapping | null> {
    const { count } = await db.subUserMapping.updateMany({
      where: {
        id,
        ...(condition.lifecycles ? { lifecycle: { in: condition.lifecycles } } : {}),
        ...(condition.version !== undefined ? { version: condition.version } : {}),
      },
      data: { ...changes, version: { increment: 1 } },
    });
    return count === 0 ? null : db.subUserMapping.findUnique({ where: { id } });
  }

  deleteIntent(id: string, db: Db = this.prisma.client): Promise<Prisma.BatchPayload> {
    return db.subUserMapping.deleteMany({ where: { id, lifecycle: 'intent' } });
  }

  /** Open create intents of an account, oldest first. */
  findOpenIntents(providerAccountId: string, db: Db = this.prisma.client): Promise<SubUserMapping[]> {
    return db.subUserMapping.findMany({
      where: { providerAccountId, lifecycle: 'intent' },
      orderBy: { createdAt: 'asc' },
    });
  }

  list(
    filter: SubUserListFilter,
    options: { after?: ListPosition; take: number },
  ): Promise<SubUserMapping[]> {
    const and: Prisma.SubUserMappingWhereInput[] = [];
    if (filter.tenantId !== undefined) and.push({ tenantId: filter.tenantId });
    if (filter.provider !== undefined) and.push({ provider: filter.provider });
    if (filter.providerAccountId !== undefined) and.push({ providerAccountId: filter.providerAccountId });
    and.push(filter.status !== undefined ? { status: filter.status } : { status: { not: 'deleted' } });
    if (filter.nameContains) and.push({ name: { contains: filter.nameContains, mode: 'insensitive' } });
    for (const [key, value] of Object.entries(filter.metadata ?? {})) {
      and.push({ metadata: { path: [key], equals: value } });
    }
    if (options.after) {
      and.push({
        OR: [
          { createdAt: { lt: options.after.createdAt } },
          { createdAt: options.after.createdAt, id: { lt: options.after.id } },
        ],
      });
    }
    return this.prisma.client.subUserMapping.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
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
   * Inserts mappings, skipping any whose (account, provider id) another writer stored meanwhile;
   * returns the ids actually inserted, so audit rows are written for those only.
   */
  async createManySkippingDuplicates(mappings: NewMapping[], db: Db = this.prisma.client): Promise<string[]> {
    if (mappings.length === 0) return [];
    const rows = await db.subUserMapping.createManyAndReturn({
      data: mappings,
      skipDuplicates: true,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /** Records that the provider still reports these mappings unchanged (no version bump, no updatedAt). */
  async touchSynced(ids: string[], at: Date, db: Db = this.prisma.client): Promise<void> {
    if (ids.length === 0) return;
    await db.$executeRawUnsafe(
      'UPDATE sub_user_mappings SET synced_at = $1 WHERE id = ANY($2::uuid[])',
      at,
      ids,
    );
  }

  /** Runs `work` in one transaction (mapping + audit are always written together). */
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.prisma.client.$transaction(work);
  }
}
