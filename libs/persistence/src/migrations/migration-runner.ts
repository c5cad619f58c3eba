import { randomUUID } from 'node:crypto';
import { MigrationFile, readMigrations } from './migration-files';

/** The two statements the runner needs, over either a pg client or a PGlite instance. */
export interface MigrationConnection {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  exec(script: string): Promise<void>;
  /** Serialises runners across processes (PostgreSQL advisory lock); no-op for PGlite. */
  withLock<T>(work: () => Promise<T>): Promise<T>;
}

export class MigrationError extends Error {}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

// Prisma's own bookkeeping table, column for column, so `prisma migrate deploy` (where the
// native engine can be downloaded) reads a database migrated here as up to date.
const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies the committed migrations that the database has not seen, each in its own
 * transaction. A failed migration is recorded with its error and blocks later runs until a
 * person resolves it (as Prisma's P3009 does); an edited, already-applied migration is refused.
 */
export async function applyMigrations(
  connection: MigrationConnection,
  migrations: MigrationFile[] = readMigrations(),
): Promise<string[]> {
  return connection.withLock(async () => {
    await connection.exec(CREATE_BOOKKEEPING);
    const rows = await connection.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier and blocks new ones: fix the database, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${failed.migration_name}')`,
      );
    }
    const applied = new Map(
      rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row.checksum]),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      const appliedChecksum = applied.get(migration.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await applyOne(connection, migration);
      done.push(migration.name);
    }
    return done;
  });
}

async function applyOne(connection: MigrationConnection, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await connection.exec(`BEGIN;\n${migration.sql}\n;COMMIT;`);
  } catch (error) {
    await connection.exec('ROLLBACK').catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    await connection.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, now(), 0)',
      [id, migration.checksum, migration.name, message],
    );
    throw new MigrationError(`migration ${migration.name} failed: ${message}`);
  }
  await connection.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), 1)',
    [id, migration.checksum, migration.name],
  );
}
