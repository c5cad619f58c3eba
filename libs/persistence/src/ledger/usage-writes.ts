import type { ProviderSubUser } from '@app/domain';
import type { Prisma, PrismaClient, SubUserMapping } from '../generated/prisma/client';
import type { ChangeEntry } from './change-log';
import type { Actor } from './ledger';
import { subUserEntry } from './ledger-context';
import type { RowChanges } from './mapping-rows';
import type { SqlParams } from '../sql';
import { type UsageStep, bucketStarts, observeUsage } from './usage';

type Db = Prisma.TransactionClient | PrismaClient;

/** The thresholds of every tenant a batch touches (one query). */
export async function thresholdsOf(db: Db, tenantIds: string[]): Promise<Map<string, number[]>> {
  const unique = [...new Set(tenantIds)];
  if (unique.length === 0) return new Map();
  const rows = await db.$queryRaw<{ id: string; usage_thresholds: number[] }[]>`
    SELECT id, usage_thresholds FROM tenants WHERE id = ANY(${unique}::text[])`;
  return new Map(rows.map((row) => [row.id, row.usage_thresholds ?? []]));
}

/** A report's usage folded into the record's state: the columns to write with its snapshot. */
export function usageStepFor(
  before: SubUserMapping,
  subUser: ProviderSubUser,
  thresholds: Map<string, number[]>,
  at: Date,
): UsageStep {
  return observeUsage(
    {
      lifetimeUsedBytes: before.lifetimeUsedBytes,
      lastUsedBytes: before.lastUsedBytes,
      usagePeriod: before.usagePeriod,
      thresholdsCrossed: before.thresholdsCrossed ?? [],
      suspended: before.suspension !== null || before.status === 'suspended',
      limitBytes: before.snapshot
        ? ((before.snapshot as unknown as ProviderSubUser).traffic?.limitBytes ?? null)
        : undefined,
    },
    subUser,
    thresholds.get(before.tenantId) ?? [],
    at,
  );
}

export function usageColumns(step: UsageStep): RowChanges {
  return step.columns ? { usage: step.columns } : {};
}

/** The bytes an observation adds to its hour, its day and its month. */
export interface BucketDelta {
  subUserId: string;
  tenantId: string;
  provider: string;
  providerAccountId: string;
  bytes: number;
}

export function bucketDelta(row: SubUserMapping, step: UsageStep): BucketDelta[] {
  if (step.deltaBytes <= 0) return [];
  return [
    {
      subUserId: row.id,
      tenantId: row.tenantId,
      provider: row.provider,
      providerAccountId: row.providerAccountId,
      bytes: step.deltaBytes,
    },
  ];
}

function bucketRows(deltas: BucketDelta[], at: Date) {
  const { hour, day, month } = bucketStarts(at);
  return deltas.flatMap((delta) => [
    { ...delta, granularity: 'hour', periodStart: hour.toISOString() },
    { ...delta, granularity: 'day', periodStart: day.toISOString() },
    { ...delta, granularity: 'month', periodStart: month.toISOString() },
  ]);
}

const BUCKETS_INSERT = (rows: string, when: string) => `INSERT INTO usage_buckets (sub_user_id, granularity,
            period_start, used_bytes, tenant_id, provider, provider_account_id)
     SELECT r."subUserId", r.granularity, r."periodStart", r.bytes, r."tenantId", r.provider, r."providerAccountId"
       FROM jsonb_to_recordset(${rows}::jsonb) AS r("subUserId" uuid, granularity text, "periodStart" timestamptz,
            bytes bigint, "tenantId" text, provider text, "providerAccountId" uuid)
      WHERE ${when}
     ON CONFLICT (sub_user_id, granularity, period_start)
     DO UPDATE SET used_bytes = usage_buckets.used_bytes + EXCLUDED.used_bytes`;

/** Adds the deltas to their hourly, daily and monthly buckets, in one statement. */
export async function addToBuckets(db: Db, deltas: BucketDelta[], at: Date): Promise<void> {
  if (deltas.length === 0) return;
  await db.$executeRawUnsafe(BUCKETS_INSERT('$1', 'true'), JSON.stringify(bucketRows(deltas, at)));
}

/** The same as a CTE (`buckets`) of a larger statement, applied only `when`. */
export function bucketsCte(deltas: BucketDelta[], at: Date, params: SqlParams, when: string): string {
  return `buckets AS (${BUCKETS_INSERT(params.add(JSON.stringify(bucketRows(deltas, at))), when)} RETURNING 1)`;
}

/** The events an observation owes: each threshold crossed, and the limit reached. */
export function usageEntries(row: SubUserMapping, step: UsageStep, actor: Actor): ChangeEntry[] {
  const figures = { usedBytes: step.usedBytes, limitBytes: step.limitBytes, period: row.usagePeriod };
  const entries = step.crossed.map((threshold) =>
    subUserEntry(row, {
      action: 'sub-user.usage-threshold',
      actor,
      changes: { after: { threshold, ...figures } },
      eventType: 'sub-user.usage-threshold',
      eventChanges: { threshold, ...figures },
    }),
  );
  if (step.exhausted) {
    entries.push(
      subUserEntry(row, {
        action: 'sub-user.traffic-exhausted',
        actor,
        changes: { after: figures },
        eventType: 'sub-user.traffic-exhausted',
        eventChanges: figures,
      }),
    );
  }
  return entries;
}
