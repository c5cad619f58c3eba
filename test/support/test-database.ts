import { randomBytes } from 'node:crypto';
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

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!usingPostgres()) return { url: 'pglite:memory://', kind: 'pglite', drop: async () => undefined };
  const serverUrl = new URL(process.env.DATABASE_URL!);
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    drop: () =>
      withAdminClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
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
