import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { monthStart } from '../ledger/usage';
import { PrismaService } from '../prisma.service';

export type UsageGranularity = 'hour' | 'day' | 'month';
export type UsageGrouping =
  | { by: 'tenant' }
  | { by: 'provider' }
  | { by: 'providerAccountId' }
  | { by: 'subUser' }
  | { by: 'metadata'; key: string };

export interface UsageRow {
  periodStart: Date;
  group: string | null;
  usedBytes: number;
}

export interface UsageQuery {
  from: Date;
  to: Date;
  granularity: UsageGranularity;
  /** undefined: every tenant (admin keys). */
  tenantId?: string;
  subUserId?: string;
  grouping?: UsageGrouping;
}

/** Rows read per statement when a series is streamed: flat memory, whatever the range. */
const CHUNK = 5_000;

/** A stretch of a window read from one kind of bucket. */
export interface BucketSpan {
  granularity: UsageGranularity;
  from: Date;
  to: Date;
}

/**
 * Where a window's buckets come from. Hours and days from their own rows; months from month rows
 * for the whole months inside the window and from day rows for a partial month at either edge, so
 * a window that starts or ends mid-month counts exactly the days inside it.
 */
export function spansOf(granularity: UsageGranularity, from: Date, to: Date): BucketSpan[] {
  if (granularity !== 'month') return [{ granularity, from, to }];
  const firstWhole = from.getTime() === monthStart(from).getTime() ? from : monthStart(from, 1);
  const endOfWhole = monthStart(to);
  if (firstWhole.getTime() >= endOfWhole.getTime()) return [{ granularity: 'day', from, to }];
  const spans: BucketSpan[] = [{ granularity: 'month', from: firstWhole, to: endOfWhole }];
  if (from.getTime() < firstWhole.getTime()) spans.push({ granularity: 'day', from, to: firstWhole });
  if (endOfWhole.getTime() < to.getTime()) spans.push({ granularity: 'day', from: endOfWhole, to });
  return spans;
}

/** The period a span's bucket is counted in: its own start, or its month when days make up months. */
function periodOf(span: BucketSpan, granularity: UsageGranularity): Prisma.Sql {
  return span.granularity === granularity
    ? Prisma.sql`b.period_start`
    : Prisma.sql`date_trunc('month', b.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
}

function groupColumn(grouping: UsageGrouping | undefined): Prisma.Sql {
  switch (grouping?.by) {
    case undefined:
      return Prisma.sql`NULL::text`;
    case 'tenant':
      return Prisma.sql`b.tenant_id`;
    case 'provider':
      return Prisma.sql`b.provider`;
    case 'providerAccountId':
      return Prisma.sql`b.provider_account_id::text`;
    case 'subUser':
      return Prisma.sql`b.sub_user_id::text`;
    case 'metadata':
      // A sub-user moved to another tenant since: its usage here stays its old tenant's, but its
      // tags are now the new tenant's to see (ungrouped, never shown across tenants).
      return Prisma.sql`CASE WHEN m.tenant_id = b.tenant_id THEN m.metadata ->> ${grouping.key} END`;
  }
}

/**
 * Usage over time from the buckets the ledger fills: a sub-user's series and roll-ups by tenant,
 * provider, account, sub-user or a metadata key. Read-only; hourly buckets are purged here.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Every row of the query in (period, group) order, a chunk at a time with a keyset bound, so an
   * export of a year of days for 100k sub-users never sits in memory. Rows come in pages, so a
   * caller writes a page at once rather than a row at a time.
   */
  async *pages(query: UsageQuery): AsyncGenerator<UsageRow[]> {
    let after: { periodStart: Date; group: string } | null = null;
    const spans = spansOf(query.granularity, query.from, query.to);
    // One bucket per row (a sub-user's series, or rows by sub-user) read from a single kind of
    // bucket: nothing to add up, so the keyset bound goes in WHERE and each chunk reads only its own
    // rows (a chunk that grouped and filtered with HAVING would add up the whole range again: a
    // year of days for 10,000 sub-users, 730 times).
    const oneBucketPerRow =
      spans.length === 1 &&
      spans[0].granularity === query.granularity &&
      (query.grouping?.by === 'subUser' || (query.grouping === undefined && query.subUserId !== undefined));
    // bucketPage names each row's sub-user (its keyset); a series has no groups to show.
    const hideGroup = oneBucketPerRow && query.grouping === undefined;
    for (;;) {
      const rows: UsageRow[] = oneBucketPerRow
        ? await this.bucketPage(query, after, CHUNK)
        : await this.page(query, spans, after, CHUNK);
      if (rows.length > 0) yield hideGroup ? rows.map((row) => ({ ...row, group: null })) : rows;
      if (rows.length < CHUNK) return;
      const last = rows[rows.length - 1];
      after = { periodStart: last.periodStart, group: last.group ?? '' };
    }
  }

  private async page(
    query: UsageQuery,
    spans: BucketSpan[],
    after: { periodStart: Date; group: string } | null,
    take: number,
  ): Promise<UsageRow[]> {
    const group = groupColumn(query.grouping);
    const join =
      query.grouping?.by === 'metadata'
        ? Prisma.sql`JOIN sub_user_mappings m ON m.id = b.sub_user_id`
        : Prisma.empty;
    const branches = spans.map((span) => {
      const conditions: Prisma.Sql[] = [
        Prisma.sql`b.granularity = ${span.granularity}`,
        Prisma.sql`b.period_start >= ${span.from}`,
        Prisma.sql`b.period_start < ${span.to}`,
      ];
      if (query.tenantId !== undefined) conditions.push(Prisma.sql`b.tenant_id = ${query.tenantId}`);
      if (query.subUserId !== undefined)
        conditions.push(Prisma.sql`b.sub_user_id = ${query.subUserId}::uuid`);
      return Prisma.sql`SELECT ${periodOf(span, query.granularity)} AS period_start, ${group} AS grp, b.used_bytes
        FROM usage_buckets b ${join}
       WHERE ${Prisma.join(conditions, ' AND ')}`;
    });
    const having = after
      ? Prisma.sql`HAVING (u.period_start, COALESCE(u.grp, '')) > (${after.periodStart}, ${after.group})`
      : Prisma.empty;
    const rows = await this.prisma.client.$queryRaw<
      { period_start: Date; grp: string | null; used: string }[]
    >`
      SELECT u.period_start, u.grp, sum(u.used_bytes)::text AS used
        FROM (${Prisma.join(branches, ' UNION ALL ')}) u
       GROUP BY 1, 2
       ${having}
       ORDER BY 1, COALESCE(u.grp, '')
       LIMIT ${take}`;
    return rows.map((row) => ({
      periodStart: row.period_start,
      group: row.grp,
      usedBytes: Number(row.used),
    }));
  }

  /** A chunk of single buckets in (period, sub-user) order, on the plain SQL client. */
  private async bucketPage(
    query: UsageQuery,
    after: { periodStart: Date; group: string } | null,
    take: number,
  ): Promise<UsageRow[]> {
    const params: unknown[] = [query.granularity, query.from.toISOString(), query.to.toISOString()];
    const add = (value: unknown) => `$${params.push(value)}`;
    const conditions = [
      'b.granularity = $1',
      'b.period_start >= $2::timestamptz',
      'b.period_start < $3::timestamptz',
    ];
    if (query.tenantId !== undefined) conditions.push(`b.tenant_id = ${add(query.tenantId)}`);
    if (query.subUserId !== undefined) conditions.push(`b.sub_user_id = ${add(query.subUserId)}::uuid`);
    if (after) {
      conditions.push(
        `(b.period_start, b.sub_user_id) > (${add(after.periodStart.toISOString())}::timestamptz, ${add(after.group)}::uuid)`,
      );
    }
    // uuid order is the order of their text (lower-case hex): the same order as the grouped path.
    const rows = await this.prisma.sql.query<{ period_start: Date; grp: string; used: string }>(
      `SELECT b.period_start, b.sub_user_id::text AS grp, b.used_bytes::text AS used
         FROM usage_buckets b
        WHERE ${conditions.join(' AND ')}
        ORDER BY b.period_start, b.sub_user_id
        LIMIT ${add(take)}::int`,
      params,
    );
    return rows.map((row) => ({
      periodStart: new Date(row.period_start),
      group: row.grp,
      usedBytes: Number(row.used),
    }));
  }

  /** Hourly buckets older than the retention window go; daily ones stay for ever. */
  async purgeHourly(before: Date): Promise<number> {
    return this.prisma.client.$executeRaw`
      DELETE FROM usage_buckets WHERE granularity = 'hour' AND period_start < ${before}`;
  }

  /** Used traffic per tenant since `since` (daily buckets), for the budget watcher. */
  async usedByTenant(tenantIds: string[], since: Date): Promise<Map<string, number>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await this.prisma.client.$queryRaw<{ tenant_id: string; used: string }[]>`
      SELECT tenant_id, sum(used_bytes)::text AS used FROM usage_buckets
       WHERE granularity = 'day' AND period_start >= ${since} AND tenant_id = ANY(${tenantIds}::text[])
       GROUP BY tenant_id`;
    return new Map(rows.map((row) => [row.tenant_id, Number(row.used)]));
  }
}
