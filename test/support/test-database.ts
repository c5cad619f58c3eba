import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Client } from 'pg';

/**
 * The database a test file runs against: an in-memory embedded PostgreSQL by default, or, when
 * DATABASE_URL points at PostgreSQL, a fresh database on that server created for this file and
 * dropped by `drop()` (so test files never see each other's rows and nothing is left behind).
 */
export interface TestDatabase {
  url: string;
  kind: 'pglite' | 'postgres';
  drop(): Promise<void>;
}

export const TEST_DATABASE_PREFIX = 'sgw_test_';

export function usingPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
}

/** The local PostgreSQL server of these machines, for tests that need a database shared by replicas. */
export const LOCAL_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * `postgres: true` asks for PostgreSQL even in an embedded-database run: several gateway
 * replicas cannot share one embedded database, so replica tests always use the local server.
 * An embedded database starts from the run's migrated template (test/support/global-setup.ts)
 * unless `blank: true` asks for one nothing has touched (the migration runner's own tests).
 */
export async function createTestDatabase(
  options: { postgres?: boolean; blank?: boolean } = {},
): Promise<TestDatabase> {
  if (!usingPostgres() && !options.postgres) {
    const url = options.blank ? blankEmbeddedUrl() : migratedEmbeddedUrl();
    return { url, kind: 'pglite', drop: async () => undefined };
  }
  const serverUrl = new URL(usingPostgres() ? process.env.DATABASE_URL! : LOCAL_POSTGRES_URL);
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    drop: () =>
      withAdminClient(serverUrl, async (client) => {
        await untilNoSessions(client, name);
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

/** An in-memory embedded database started from the run's migrated template (./global-setup.ts). */
export function migratedEmbeddedUrl(): string {
  return embeddedMemoryUrl(process.env.SGW_TEST_PGLITE_TEMPLATE);
}

/** An in-memory embedded database as initdb left it, nothing migrated. */
export function blankEmbeddedUrl(): string {
  return embeddedMemoryUrl(process.env.SGW_TEST_PGLITE_BLANK);
}

/** Without the run's dumps (a file run outside `npm test`), the database is created from nothing. */
function embeddedMemoryUrl(dump: string | undefined): string {
  return dump ? `pglite:memory://?from=${encodeURIComponent(dump)}` : 'pglite:memory://';
}

/**
 * `pglite:<folder>` for an embedded database kept in a folder (one that outlives a gateway the
 * test stops or kills), which starts as the run's migrated template like the in-memory ones: the
 * dump's files are unpacked into the folder (its member names are absolute; tar makes them
 * relative to -C).
 */
export function migratedEmbeddedFolderUrl(folder: string): string {
  mkdirSync(folder, { recursive: true });
  const template = process.env.SGW_TEST_PGLITE_TEMPLATE;
  if (template) execFileSync('tar', ['-xf', template, '-C', folder], { stdio: ['ignore', 'ignore', 'pipe'] });
  return `pglite:${folder}`;
}

/**
 * A pool that was just closed may still be hanging up: a forced drop before that ends kills those
 * connections, and their 'error' events surface as unhandled errors in the test file. Waits (up to
 * 10 s) for every session of the database to end; the drop forces whatever is left.
 */
async function untilNoSessions(client: Client, database: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await client.query<{ count: string }>(
      'SELECT count(*) AS count FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    if (Number(rows[0].count) === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withAdminClient<T>(serverUrl: URL, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
