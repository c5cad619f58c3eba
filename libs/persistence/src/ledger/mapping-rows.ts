import { Prisma, type PrismaClient, type SubUserMapping } from '../generated/prisma/client';

type Db = Prisma.TransactionClient | PrismaClient;

/** Every column of the table under its model name, for raw statements that return rows. */
export const MAPPING_COLUMNS = Prisma.raw(
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
    'lifetime_used_bytes AS "lifetimeUsedBytes"',
    'last_used_bytes AS "lastUsedBytes"',
    'usage_period AS "usagePeriod"',
    'thresholds_crossed AS "thresholdsCrossed"',
    'suspension',
    'change_claim_id AS "changeClaimId"',
    'change_claim_until AS "changeClaimUntil"',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
    'synced_at AS "syncedAt"',
  ].join(', '),
);

/** The record lifecycle (the provider's side is `status`). */
export type Lifecycle = 'intent' | 'active' | 'deleted';

/** When a conditional write may happen: every given condition must hold. */
export interface RowGuard {
  lifecycles?: Lifecycle[];
  notStatuses?: string[];
  statuses?: string[];
  version?: number;
  claimId?: string;
  /** Nobody holds the change claim at this time (none taken, or it expired). */
  claimFreeAt?: Date;
}

/** Columns a transition sets; JSON columns take plain values. */
export interface RowChanges {
  providerSubUserId?: string;
  tenantId?: string;
  lifecycle?: Lifecycle;
  status?: string;
  name?: string | null;
  gatewayNotes?: string | null;
  metadata?: Record<string, string>;
  snapshot?: unknown;
  intent?: unknown;
  intentExpiresAt?: Date | null;
  syncedAt?: Date | null;
  /** The usage state after an observation (ledger/usage.ts). */
  usage?: {
    lifetimeUsedBytes: number;
    lastUsedBytes: number;
    usagePeriod: string | null;
    thresholdsCrossed: number[];
  };
  suspension?: unknown;
  /** Take (a uuid) or release (null) the change claim. */
  changeClaim?: { id: string; until: Date } | null;
}

const JSON_COLUMNS = new Set(['metadata', 'snapshot', 'intent', 'suspension']);
const COLUMN: Record<string, string> = {
  providerSubUserId: 'provider_sub_user_id',
  tenantId: 'tenant_id',
  lifecycle: 'lifecycle',
  status: 'status',
  name: 'name',
  gatewayNotes: 'gateway_notes',
  metadata: 'metadata',
  snapshot: 'snapshot',
  intent: 'intent',
  intentExpiresAt: 'intent_expires_at',
  syncedAt: 'synced_at',
  suspension: 'suspension',
};

function guardSql(guard: RowGuard): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (guard.lifecycles) conditions.push(Prisma.sql`lifecycle IN (${Prisma.join(guard.lifecycles)})`);
  if (guard.notStatuses) conditions.push(Prisma.sql`status NOT IN (${Prisma.join(guard.notStatuses)})`);
  if (guard.statuses) conditions.push(Prisma.sql`status IN (${Prisma.join(guard.statuses)})`);
  if (guard.version !== undefined) conditions.push(Prisma.sql`version = ${guard.version}`);
  if (guard.claimId !== undefined) conditions.push(Prisma.sql`change_claim_id = ${guard.claimId}::uuid`);
  if (guard.claimFreeAt !== undefined) {
    conditions.push(Prisma.sql`(change_claim_id IS NULL OR change_claim_until < ${guard.claimFreeAt})`);
  }
  return conditions;
}

function setSql(changes: RowChanges): Prisma.Sql[] {
  const sets: Prisma.Sql[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined || field === 'changeClaim' || field === 'usage') continue;
    const column = Prisma.raw(COLUMN[field]);
    if (JSON_COLUMNS.has(field)) {
      sets.push(
        value === null
          ? Prisma.sql`${column} = NULL`
          : Prisma.sql`${column} = ${JSON.stringify(value)}::jsonb`,
      );
    } else sets.push(Prisma.sql`${column} = ${value}`);
  }
  if (changes.usage) {
    const usage = changes.usage;
    sets.push(
      Prisma.sql`lifetime_used_bytes = ${usage.lifetimeUsedBytes}, last_used_bytes = ${usage.lastUsedBytes}, usage_period = ${usage.usagePeriod}, thresholds_crossed = ${`{${usage.thresholdsCrossed.join(',')}}`}::int[]`,
    );
  }
  if (changes.changeClaim === null) sets.push(Prisma.sql`change_claim_id = NULL, change_claim_until = NULL`);
  else if (changes.changeClaim) {
    sets.push(
      Prisma.sql`change_claim_id = ${changes.changeClaim.id}::uuid, change_claim_until = ${changes.changeClaim.until}`,
    );
  }
  return sets;
}

/**
 * Changes one row if `guard` holds, in one statement; bumps the version (the ETag) unless the
 * write only moves the claim. Returns the new row, or null when the guard no longer held.
 */
export async function updateRow(
  db: Db,
  id: string,
  guard: RowGuard,
  changes: RowChanges,
  at: Date,
  options: { bumpVersion?: boolean } = {},
): Promise<SubUserMapping | null> {
  const sets = setSql(changes);
  if (options.bumpVersion !== false) sets.push(Prisma.sql`version = version + 1, updated_at = ${at}`);
  const rows = await db.$queryRaw<SubUserMapping[]>`
    UPDATE sub_user_mappings SET ${Prisma.join(sets, ', ')}
     WHERE ${Prisma.join([Prisma.sql`id = ${id}::uuid`, ...guardSql(guard)], ' AND ')}
     RETURNING ${MAPPING_COLUMNS}`;
  return rows[0] ?? null;
}

export async function findRow(db: Db, id: string): Promise<SubUserMapping | null> {
  const rows = await db.$queryRaw<SubUserMapping[]>`
    SELECT ${MAPPING_COLUMNS} FROM sub_user_mappings WHERE id = ${id}::uuid`;
  return rows[0] ?? null;
}

export async function insertRow(
  db: Db,
  row: {
    id: string;
    tenantId: string;
    providerAccountId: string;
    provider: string;
    lifecycle: Lifecycle;
    status: string;
    name: string | null;
    gatewayNotes: string | null;
    metadata: Record<string, string>;
    intent: unknown;
    intentExpiresAt: Date | null;
    createKey: string | null;
  },
  at: Date,
): Promise<SubUserMapping> {
  const rows = await db.$queryRaw<SubUserMapping[]>`
    INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, lifecycle, status, name,
           gateway_notes, metadata, intent, intent_expires_at, create_key, version, created_at, updated_at)
    VALUES (${row.id}::uuid, ${row.tenantId}, ${row.providerAccountId}::uuid, ${row.provider}, ${row.lifecycle},
           ${row.status}, ${row.name}, ${row.gatewayNotes}, ${JSON.stringify(row.metadata)}::jsonb,
           ${JSON.stringify(row.intent)}::jsonb, ${row.intentExpiresAt}, ${row.createKey}, 1, ${at}, ${at})
    RETURNING ${MAPPING_COLUMNS}`;
  return rows[0];
}

/** Deletes an intent row (never a completed one); true when it was still open. */
export async function deleteIntentRow(db: Db, id: string): Promise<SubUserMapping | null> {
  const rows = await db.$queryRaw<SubUserMapping[]>`
    DELETE FROM sub_user_mappings WHERE id = ${id}::uuid AND lifecycle = 'intent'
    RETURNING ${MAPPING_COLUMNS}`;
  return rows[0] ?? null;
}
