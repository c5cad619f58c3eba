import { Prisma, type PrismaClient, type SubUserMapping } from '../generated/prisma/client';
import { type SqlClient, SqlParams } from '../sql';

type Db = Prisma.TransactionClient | PrismaClient;
/** Where a statement runs: a Prisma client (in a transaction or not) or the plain SQL client. */
export type Runner = Db | SqlClient;

// JSON columns are read as text and parsed here (mappingRow): PGlite's own jsonb parsing took
// ~17 ms for a page of 500 rows, the text and JSON.parse ~6 ms; pg parses the same way either way.
const COLUMN_LIST = [
  'id',
  'tenant_id AS "tenantId"',
  'provider_account_id AS "providerAccountId"',
  'provider',
  'provider_sub_user_id AS "providerSubUserId"',
  'lifecycle',
  'status',
  'name',
  'gateway_notes AS "gatewayNotes"',
  'metadata::text AS metadata',
  'snapshot::text AS snapshot',
  'intent::text AS intent',
  'intent_expires_at AS "intentExpiresAt"',
  'create_key AS "createKey"',
  'version',
  'lifetime_used_bytes AS "lifetimeUsedBytes"',
  'last_used_bytes AS "lastUsedBytes"',
  'usage_period AS "usagePeriod"',
  'thresholds_crossed AS "thresholdsCrossed"',
  'suspension::text AS suspension',
  'change_claim_id AS "changeClaimId"',
  'change_claim_until AS "changeClaimUntil"',
  'change_claim_limit_bytes AS "changeClaimLimitBytes"',
  'change_claim_tenant_id AS "changeClaimTenantId"',
  'created_at AS "createdAt"',
  'updated_at AS "updatedAt"',
  'synced_at AS "syncedAt"',
];

/** Every column of the table under its model name, for raw statements that return rows. */
export const MAPPING_COLUMNS = Prisma.raw(COLUMN_LIST.join(', '));

function columnsText(source: string): string {
  return COLUMN_LIST.map(
    (column) => `${source}${column.includes(' AS ') ? column : `${column} AS "${column}"`}`,
  ).join(', ');
}

const UNQUALIFIED_COLUMNS = columnsText('');

/** The same list as text; `source` qualifies each column (e.g. `m.` or `(r.opened).`). */
export function mappingColumns(source = ''): string {
  return source === '' ? UNQUALIFIED_COLUMNS : columnsText(source);
}

/**
 * The same columns for one JSON text per row (mappingFromJson): JSON columns nested as they are,
 * int8 as text (a JSON number loses precision past 2^53).
 */
const JSON_ROW_COLUMNS = UNQUALIFIED_COLUMNS.replace(/::text AS/g, ' AS').replace(
  /(lifetime_used_bytes|last_used_bytes|change_claim_limit_bytes) AS/g,
  '$1::text AS',
);

const TIMESTAMP_FIELDS = [
  'intentExpiresAt',
  'changeClaimUntil',
  'createdAt',
  'updatedAt',
  'syncedAt',
] as const;

/** A row of JSON_ROW_COLUMNS as the rest of the code expects it (Prisma's types). */
function mappingFromJson(text: string): SubUserMapping {
  const row = JSON.parse(text) as Record<string, unknown>;
  for (const field of TIMESTAMP_FIELDS) {
    if (typeof row[field] === 'string') row[field] = new Date(row[field]);
  }
  row.lifetimeUsedBytes = BigInt((row.lifetimeUsedBytes as string | null) ?? 0);
  if (row.lastUsedBytes !== null) row.lastUsedBytes = BigInt(row.lastUsedBytes as string);
  if (row.changeClaimLimitBytes !== null)
    row.changeClaimLimitBytes = BigInt(row.changeClaimLimitBytes as string);
  return row as unknown as SubUserMapping;
}

const TEXT_JSON_COLUMNS = ['metadata', 'snapshot', 'intent', 'suspension'] as const;

/**
 * A row as the rest of the code expects it (Prisma's types): PostgreSQL's driver reads int8 as a
 * string and PGlite as a number, Prisma as a bigint.
 */
export function mappingRow(row: SubUserMapping): SubUserMapping {
  const record = row as unknown as Record<string, unknown>;
  for (const column of TEXT_JSON_COLUMNS) {
    const value = record[column];
    if (typeof value === 'string') record[column] = JSON.parse(value) as unknown;
  }
  if (typeof row.lifetimeUsedBytes !== 'bigint') row.lifetimeUsedBytes = BigInt(row.lifetimeUsedBytes ?? 0);
  if (row.lastUsedBytes !== null && typeof row.lastUsedBytes !== 'bigint')
    row.lastUsedBytes = BigInt(row.lastUsedBytes);
  if (row.changeClaimLimitBytes !== null && typeof row.changeClaimLimitBytes !== 'bigint')
    row.changeClaimLimitBytes = BigInt(row.changeClaimLimitBytes);
  return row;
}

/** Rows of a statement on either kind of runner, normalized as mapping rows. */
export async function mappingRows(
  runner: Runner,
  text: string,
  values: unknown[],
): Promise<SubUserMapping[]> {
  const rows =
    '$queryRawUnsafe' in runner
      ? await runner.$queryRawUnsafe<SubUserMapping[]>(text, ...values)
      : await runner.query<SubUserMapping>(text, values);
  return rows.map(mappingRow);
}

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
  /**
   * Take (a uuid) or release (null) the change claim. Reserved against a tenant's budget meanwhile:
   * `limitBytes`, the traffic limit the change sets; `tenantId`, the tenant an admin moves it to.
   */
  changeClaim?: { id: string; until: Date; limitBytes?: number | null; tenantId?: string } | null;
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

/** The guard as SQL conditions (values through `params`). */
export function guardText(guard: RowGuard, params: SqlParams): string[] {
  const conditions: string[] = [];
  const list = (values: readonly string[]) => values.map((value) => params.add(value)).join(', ');
  if (guard.lifecycles) conditions.push(`lifecycle IN (${list(guard.lifecycles)})`);
  if (guard.notStatuses) conditions.push(`status NOT IN (${list(guard.notStatuses)})`);
  if (guard.statuses) conditions.push(`status IN (${list(guard.statuses)})`);
  if (guard.version !== undefined) conditions.push(`version = ${params.add(guard.version)}::int`);
  if (guard.claimId !== undefined) conditions.push(`change_claim_id = ${params.add(guard.claimId)}::uuid`);
  if (guard.claimFreeAt !== undefined) {
    conditions.push(
      `(change_claim_id IS NULL OR change_claim_until < ${params.add(guard.claimFreeAt.toISOString())}::timestamptz)`,
    );
  }
  return conditions;
}

const TIMESTAMP_COLUMNS = new Set(['intentExpiresAt', 'syncedAt']);

/** The changes as SQL assignments (values through `params`). */
export function setText(changes: RowChanges, params: SqlParams): string[] {
  const sets: string[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined || field === 'changeClaim' || field === 'usage') continue;
    const column = COLUMN[field];
    if (JSON_COLUMNS.has(field)) {
      sets.push(
        value === null ? `${column} = NULL` : `${column} = ${params.add(JSON.stringify(value))}::jsonb`,
      );
    } else if (TIMESTAMP_COLUMNS.has(field)) {
      sets.push(
        `${column} = ${value === null ? 'NULL' : `${params.add((value as Date).toISOString())}::timestamptz`}`,
      );
    } else sets.push(`${column} = ${params.add(value)}`);
  }
  if (changes.usage) {
    const usage = changes.usage;
    sets.push(
      `lifetime_used_bytes = ${params.add(String(usage.lifetimeUsedBytes))}::bigint, last_used_bytes = ${params.add(String(usage.lastUsedBytes))}::bigint, usage_period = ${params.add(usage.usagePeriod)}::text, thresholds_crossed = ${params.add(`{${usage.thresholdsCrossed.join(',')}}`)}::int[]`,
    );
  }
  if (changes.changeClaim === null)
    sets.push(
      'change_claim_id = NULL, change_claim_until = NULL, change_claim_limit_bytes = NULL, change_claim_tenant_id = NULL',
    );
  else if (changes.changeClaim) {
    const { id, until, limitBytes, tenantId } = changes.changeClaim;
    sets.push(
      `change_claim_id = ${params.add(id)}::uuid, change_claim_until = ${params.add(until.toISOString())}::timestamptz, change_claim_limit_bytes = ${params.add(limitBytes === undefined || limitBytes === null ? null : String(limitBytes))}::bigint, change_claim_tenant_id = ${params.add(tenantId ?? null)}::text`,
    );
  }
  return sets;
}

/** The UPDATE of {@link updateRow} as text, for statements that add CTEs around it. */
export function updateText(
  id: string,
  guard: RowGuard,
  changes: RowChanges,
  at: Date,
  params: SqlParams,
  options: { bumpVersion?: boolean; returning?: string } = {},
): string {
  const sets = setText(changes, params);
  if (options.bumpVersion !== false)
    sets.push(`version = version + 1, updated_at = ${params.add(at.toISOString())}::timestamptz`);
  const where = [`id = ${params.add(id)}::uuid`, ...guardText(guard, params)];
  return `UPDATE sub_user_mappings SET ${sets.join(', ')} WHERE ${where.join(' AND ')} RETURNING ${
    options.returning ?? mappingColumns()
  }`;
}

/**
 * Changes one row if `guard` holds, in one statement; bumps the version (the ETag) unless the
 * write only moves the claim. Returns the new row, or null when the guard no longer held.
 */
export async function updateRow(
  db: Runner,
  id: string,
  guard: RowGuard,
  changes: RowChanges,
  at: Date,
  options: { bumpVersion?: boolean } = {},
): Promise<SubUserMapping | null> {
  const params = new SqlParams();
  const text = updateText(id, guard, changes, at, params, options);
  return (await mappingRows(db, text, params.values))[0] ?? null;
}

/**
 * A record by primary key (the hot read of GET /v1/sub-users/:id, and the ledger's reads before a
 * write), read as one JSON text built by the database: one field to decode instead of 25 (measured
 * with pg: ~60 us of client CPU per read instead of 70-105).
 */
/**
 * One record. `forUpdate` (in a transaction) holds its row until the end: a change computed from
 * what was read (usage since the last reading, bucket bytes) is then written before any other
 * writer's, never over a sync that committed in between (PostgreSQL; PGlite runs one at a time).
 */
export async function findRow(db: Runner, id: string, forUpdate = false): Promise<SubUserMapping | null> {
  const text = `SELECT to_json(m)::text AS row FROM (SELECT ${JSON_ROW_COLUMNS} FROM sub_user_mappings WHERE id = $1::uuid${forUpdate ? ' FOR UPDATE' : ''}) m`;
  const rows =
    '$queryRawUnsafe' in db
      ? await db.$queryRawUnsafe<{ row: string }[]>(text, id)
      : await db.query<{ row: string }>(text, [id]);
  return rows.length > 0 ? mappingFromJson(rows[0].row) : null;
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
  return mappingRow(rows[0]);
}

/** Deletes an intent row (never a completed one); true when it was still open. */
export async function deleteIntentRow(db: Runner, id: string): Promise<SubUserMapping | null> {
  const text = `DELETE FROM sub_user_mappings WHERE id = $1::uuid AND lifecycle = 'intent' RETURNING ${mappingColumns()}`;
  return (await mappingRows(db, text, [id]))[0] ?? null;
}

/**
 * A JSON value as it reads back from a jsonb column: undefined members dropped, object keys in
 * jsonb's order (shorter first, then bytewise), so a row computed here equals the row read back.
 */
export function jsonbForm(value: unknown): unknown {
  return order(JSON.parse(JSON.stringify(value)) as unknown);
}

function order(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(order);
  if (value === null || typeof value !== 'object') return value;
  const members = Object.entries(value as Record<string, unknown>).map(([key, member]) => {
    const bytes = Buffer.byteLength(key);
    return { key, member, bytes, ascii: bytes === key.length };
  });
  // ASCII keys (nearly all) compare as JS text, which is their byte order; others by their bytes.
  members.sort((a, b) => {
    if (a.bytes !== b.bytes) return a.bytes - b.bytes;
    if (a.ascii && b.ascii) return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    return Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
  });
  return Object.fromEntries(members.map(({ key, member }) => [key, order(member)]));
}

/**
 * The row an {@link updateText} of `changes` (version bumped) makes of `before`: what the
 * database will hold, known before the statement runs.
 */
export function rowAfter(before: SubUserMapping, changes: RowChanges, at: Date): SubUserMapping {
  const row: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined || field === 'changeClaim' || field === 'usage') continue;
    row[field] = JSON_COLUMNS.has(field) && value !== null ? jsonbForm(value) : value;
  }
  if (changes.usage) {
    row.lifetimeUsedBytes = BigInt(changes.usage.lifetimeUsedBytes);
    row.lastUsedBytes = BigInt(changes.usage.lastUsedBytes);
    row.usagePeriod = changes.usage.usagePeriod;
    row.thresholdsCrossed = [...changes.usage.thresholdsCrossed];
  }
  if (changes.changeClaim === null) {
    row.changeClaimId = null;
    row.changeClaimUntil = null;
    row.changeClaimLimitBytes = null;
    row.changeClaimTenantId = null;
  } else if (changes.changeClaim) {
    row.changeClaimId = changes.changeClaim.id;
    row.changeClaimUntil = changes.changeClaim.until;
    const { limitBytes } = changes.changeClaim;
    row.changeClaimLimitBytes = limitBytes === undefined || limitBytes === null ? null : BigInt(limitBytes);
    row.changeClaimTenantId = changes.changeClaim.tenantId ?? null;
  }
  row.version = before.version + 1;
  row.updatedAt = at;
  return row as unknown as SubUserMapping;
}
