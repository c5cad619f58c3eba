import { Blob } from 'node:buffer';
import { mkdirSync, readFileSync } from 'node:fs';
import { type Extension, PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Client, Pool } from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { DatabaseTarget } from './database-target';
import { MigrationConnection, applyMigrations } from './migrations/migration-runner';
import { MigrationFile } from './migrations/migration-files';
import { type SqlClient, StatementObservers, pgSqlClient, pgliteSqlClient } from './sql';

/**
 * The extensions every embedded database loads (the migrations create them: `pg_trgm` serves the
 * name search). Whatever opens an embedded database's folder must load them too.
 */
export const PGLITE_EXTENSIONS: Record<string, Extension> = {
  // A subpath export, which TypeScript's node10 resolution cannot see (Node's require can).
  pg_trgm: (require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension }).pg_trgm,
};

// Any constant works; it only has to be the same for every replica of the gateway.
const MIGRATION_LOCK_ID = 724_311_901;

/** One open database: the Prisma client, the way to migrate it, and the way to close it. */
export interface Database {
  readonly target: DatabaseTarget;
  readonly prisma: PrismaClient;
  /** Plain SQL on the same connections, for the hot paths (see ./sql.ts). */
  readonly sql: SqlClient;
  /** Every round trip to the database, for tests that bound them. */
  readonly statements: StatementObservers;
  migrate(migrations?: MigrationFile[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connection pool size for PostgreSQL. */
  poolSize?: number;
}

export async function openDatabase(
  target: DatabaseTarget,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (target.kind === 'pglite') return openEmbedded(target.dataDir, target.from);
  return openPostgres(target.url, options.poolSize ?? 10);
}

/**
 * The embedded database of a target, started: in its folder or in memory, unpacked from a dump
 * when the target names one, with the extensions loaded. Whatever opens an embedded database
 * (the gateway, the reseal command) starts it here.
 */
export async function startEmbedded(target: { dataDir: string | null; from?: string }): Promise<PGlite> {
  // PGlite does not create missing parent folders.
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(target.dataDir ? { dataDir: target.dataDir } : {}),
    // A dump (PGlite's dumpDataDir) is unpacked instead of creating a database from nothing.
    ...(target.from ? { loadDataDir: new Blob([readFileSync(target.from)]) as unknown as File } : {}),
    extensions: PGLITE_EXTENSIONS,
  });
  await pglite.waitReady;
  return pglite;
}

async function openEmbedded(dataDir: string | null, from?: string): Promise<Database> {
  const pglite = await startEmbedded({ dataDir, from });
  const statements = new StatementObservers();
  const sql = pgliteSqlClient(pglite, statements);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const connection: MigrationConnection = {
    query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await pglite.exec(script);
    },
    // One process owns an embedded database: there is nobody to race with.
    withLock: (work) => work(),
  };
  return {
    target: { kind: 'pglite', dataDir, ...(from ? { from } : {}) },
    prisma,
    sql,
    statements,
    migrate: (migrations) => applyMigrations(connection, migrations),
    close: async () => {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  const statements = new StatementObservers();
  const sql = pgSqlClient(pool, statements);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    target: { kind: 'postgres', url },
    prisma,
    sql,
    statements,
    migrate: async (migrations) => {
      // A dedicated connection: the advisory lock belongs to the session that took it.
      const client = new Client({ connectionString: url });
      await client.connect();
      const connection: MigrationConnection = {
        query: async <Row>(sql: string, params?: unknown[]) =>
          (await client.query(sql, params)).rows as Row[],
        exec: async (script) => {
          await client.query(script);
        },
        withLock: async (work) => {
          await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
          try {
            return await work();
          } finally {
            await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
          }
        },
      };
      try {
        return await applyMigrations(connection, migrations);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
