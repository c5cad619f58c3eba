import { SecretBox } from './secret-box';
import { SEALED_COLUMNS, SealedColumn, sealedColumnLabel } from './sealed-columns';

/** The little SQL the re-sealing needs, over PostgreSQL or the embedded database. */
export interface SqlSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
}

export interface ResealCounts {
  /** Opened with an older key and sealed again with the first key. */
  resealed: number;
  /** Already sealed with the first key: left alone. */
  alreadyCurrent: number;
  /** Sealed with a key that is not configured, or not openable: left alone, reported. */
  failed: number;
}

export interface ResealOptions {
  columns?: readonly SealedColumn[];
  /** Rows per transaction (each batch is committed on its own, so an interrupted run keeps its work). */
  batchSize?: number;
  /** Stops after this many batches per column (spreads the work over several runs). */
  maxBatches?: number;
}

interface Candidate {
  id: string;
  ciphertext: string;
  key_id: string;
}

/**
 * Re-encrypts every sealed value with the active (first) key of ENCRYPTION_KEYS, so older keys
 * can be dropped. Batches are committed one by one; rows already under the active key are
 * skipped, so running it again resumes where it stopped and changes nothing once done. A row
 * is rewritten only if it still holds what was read (a concurrent change wins).
 */
export async function resealAll(
  session: SqlSession,
  box: SecretBox,
  options: ResealOptions = {},
): Promise<Record<string, ResealCounts>> {
  const report: Record<string, ResealCounts> = {};
  for (const column of options.columns ?? SEALED_COLUMNS) {
    report[sealedColumnLabel(column)] = await resealColumn(session, box, column, options);
  }
  return report;
}

async function resealColumn(
  session: SqlSession,
  box: SecretBox,
  column: SealedColumn,
  options: ResealOptions,
): Promise<ResealCounts> {
  const active = box.activeKeyId;
  const sql = statements(column);
  const batchSize = options.batchSize ?? 200;
  const counts: ResealCounts = { resealed: 0, alreadyCurrent: 0, failed: 0 };
  const [{ count }] = await session.query<{ count: string | number }>(sql.countCurrent, [active]);
  counts.alreadyCurrent = Number(count);

  let after = '00000000-0000-0000-0000-000000000000';
  for (let batch = 0; options.maxBatches === undefined || batch < options.maxBatches; batch += 1) {
    const read = await session.transaction(async (tx) => {
      const rows = await tx.query<Candidate>(sql.select, [active, after, batchSize]);
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = box.open(row.ciphertext, row.key_id);
        } catch {
          counts.failed += 1;
          continue;
        }
        const sealed = box.seal(plaintext);
        const updated = await tx.query<{ id: string }>(
          sql.update,
          column.kind === 'pair'
            ? [sealed.ciphertext, sealed.keyId, row.id, row.ciphertext]
            : [
                JSON.stringify({ keyId: sealed.keyId, ciphertext: sealed.ciphertext }),
                row.id,
                row.ciphertext,
              ],
        );
        if (updated.length === 1) counts.resealed += 1;
      }
      return rows;
    });
    if (read.length === 0) break;
    after = read[read.length - 1].id;
  }
  return counts;
}

/** The SQL for one sealed column (identifiers come from SEALED_COLUMNS, never from input). */
function statements(column: SealedColumn): { countCurrent: string; select: string; update: string } {
  const table = quote(column.table);
  if (column.kind === 'pair') {
    const [ciphertext, keyId] = [quote(column.ciphertext), quote(column.keyId)];
    return {
      countCurrent: `SELECT count(*) AS count FROM ${table} WHERE ${ciphertext} IS NOT NULL AND ${keyId} = $1`,
      select:
        `SELECT id::text AS id, ${ciphertext} AS ciphertext, ${keyId} AS key_id FROM ${table} ` +
        `WHERE ${ciphertext} IS NOT NULL AND ${keyId} <> $1 AND id > $2::uuid ORDER BY id LIMIT $3 FOR UPDATE`,
      update:
        `UPDATE ${table} SET ${ciphertext} = $1, ${keyId} = $2 ` +
        `WHERE id = $3::uuid AND ${ciphertext} = $4 RETURNING id::text AS id`,
    };
  }
  const body = quote(column.column);
  const sealed = `(${column.where}) AND ${body} IS NOT NULL`;
  return {
    countCurrent: `SELECT count(*) AS count FROM ${table} WHERE ${sealed} AND (${body}::jsonb ->> 'keyId') = $1`,
    select:
      `SELECT id::text AS id, ${body}::jsonb ->> 'ciphertext' AS ciphertext, ${body}::jsonb ->> 'keyId' AS key_id ` +
      `FROM ${table} WHERE ${sealed} AND (${body}::jsonb ->> 'keyId') <> $1 AND id > $2::uuid ` +
      'ORDER BY id LIMIT $3 FOR UPDATE',
    update:
      `UPDATE ${table} SET ${body} = $1 ` +
      `WHERE id = $2::uuid AND ${body}::jsonb ->> 'ciphertext' = $3 RETURNING id::text AS id`,
  };
}

function quote(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`Not a plain SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}
