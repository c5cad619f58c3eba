import { createHash } from 'node:crypto';
import { Database, openDatabase } from '../database';
import { resolveDatabaseTarget } from '../database-target';
import { TestDatabase, createTestDatabase } from '../../../../test/support/test-database';
import { MigrationFile, readMigrations } from './migration-files';
import { MigrationError } from './migration-runner';
import { diffSchemaAgainstMigrations } from './schema-diff';

function migration(name: string, sql: string): MigrationFile {
  return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
}

describe('committed migrations', () => {
  it('agree with prisma/schema.prisma (drift check: edit one, author the other with npm run db:diff)', async () => {
    await expect(diffSchemaAgainstMigrations()).resolves.toBe('');
  });

  it('are read in order with Prisma-compatible checksums', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('detects drift: a model missing from the migrations is reported as SQL to add', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sgw-drift-'));
    const schemaPath = path.join(dir, 'schema.prisma');
    fs.writeFileSync(
      schemaPath,
      fs.readFileSync('prisma/schema.prisma', 'utf8') + '\nmodel DriftProbe {\n  id Int @id\n}\n',
    );
    try {
      const script = await diffSchemaAgainstMigrations({ schemaPath });
      expect(script).toContain('CREATE TABLE "DriftProbe"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The runner on the database the suite runs against: embedded, or a fresh PostgreSQL database. */
async function withFreshDatabase(work: (database: Database) => Promise<void>): Promise<void> {
  const testDatabase: TestDatabase = await createTestDatabase({ blank: true });
  const database = await openDatabase(resolveDatabaseTarget(testDatabase.url), { poolSize: 2 });
  try {
    await work(database);
  } finally {
    await database.close();
    await testDatabase.drop();
  }
}

describe(`migration runner (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PostgreSQL'})`, () => {
  it('applies every migration once and records it like Prisma does', async () => {
    await withFreshDatabase(async (database) => {
      const applied = await database.migrate();
      expect(applied).toEqual(readMigrations().map((m) => m.name));
      await expect(database.migrate()).resolves.toEqual([]);
      const rows = await database.prisma.$queryRawUnsafe<
        { migration_name: string; checksum: string; applied_steps_count: number }[]
      >(
        'SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows).toEqual(
        readMigrations().map((m) => ({
          migration_name: m.name,
          checksum: m.checksum,
          applied_steps_count: 1,
        })),
      );
      await expect(database.prisma.tenant.count()).resolves.toBe(0);
    });
  });

  it('fills the monthly usage buckets from the daily ones recorded before months were kept', async () => {
    // The migration's own statement on a migrated database (the template: no second migration run).
    const testDatabase = await createTestDatabase();
    const database = await openDatabase(resolveDatabaseTarget(testDatabase.url), { poolSize: 2 });
    try {
      await database.migrate();
      const day = (subUser: string, tenant: string, at: string, bytes: number) =>
        database.sql.query(
          `INSERT INTO usage_buckets (sub_user_id, granularity, period_start, used_bytes, tenant_id, provider, provider_account_id)
           VALUES ($1::uuid, 'day', $2::timestamptz, $3, $4, 'webshare', '00000000-0000-4000-8000-000000000001')`,
          [subUser, at, bytes, tenant],
        );
      const a = '00000000-0000-4000-8000-00000000000a';
      const b = '00000000-0000-4000-8000-00000000000b';
      await day(a, 'acme', '2026-01-30T00:00:00Z', 100);
      await day(a, 'acme', '2026-01-31T00:00:00Z', 200);
      await day(a, 'acme', '2026-02-01T00:00:00Z', 4_000_000_000);
      await day(a, 'acme', '2026-02-28T00:00:00Z', 5_000_000_000);
      await day(b, 'beta', '2026-01-01T00:00:00Z', 7);
      const backfill = readMigrations().find((m) => m.name.endsWith('_usage_month_buckets'));
      expect(backfill).toBeDefined();
      await database.sql.query(backfill!.sql);
      const months = await database.sql.query<{ sub: string; at: Date; used: string; tenant: string }>(
        `SELECT sub_user_id::text AS sub, period_start AS at, used_bytes::text AS used, tenant_id AS tenant
           FROM usage_buckets WHERE granularity = 'month' ORDER BY 1, 2`,
      );
      expect(months.map((row) => ({ ...row, at: new Date(row.at).toISOString() }))).toEqual([
        { sub: a, at: '2026-01-01T00:00:00.000Z', used: '300', tenant: 'acme' },
        { sub: a, at: '2026-02-01T00:00:00.000Z', used: '9000000000', tenant: 'acme' },
        { sub: b, at: '2026-01-01T00:00:00.000Z', used: '7', tenant: 'beta' },
      ]);
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    await withFreshDatabase(async (database) => {
      await database.migrate([migration('20200101000000_a', 'CREATE TABLE a (id int);')]);
      await expect(
        database.migrate([migration('20200101000000_a', 'CREATE TABLE a (id bigint);')]),
      ).rejects.toThrow(/was changed after it was applied/);
    });
  });

  it('records a failed migration with its error, rolls it back, and blocks later runs', async () => {
    await withFreshDatabase(async (database) => {
      const good = migration('20200101000000_good', 'CREATE TABLE good (id int);');
      const bad = migration(
        '20200102000000_bad',
        'CREATE TABLE half (id int);\nCREATE TABLE broken (id nosuchtype);',
      );
      await expect(database.migrate([good, bad])).rejects.toBeInstanceOf(MigrationError);
      const tables = await database.prisma.$queryRawUnsafe<{ table_name: string }[]>(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('good', 'half', 'broken') ORDER BY 1",
      );
      expect(tables.map((t) => t.table_name)).toEqual(['good']);
      const [failed] = await database.prisma.$queryRawUnsafe<{ logs: string; finished_at: Date | null }[]>(
        `SELECT logs, finished_at FROM "_prisma_migrations" WHERE migration_name = '20200102000000_bad'`,
      );
      expect(failed.finished_at).toBeNull();
      expect(failed.logs).toContain('nosuchtype');
      await expect(database.migrate([good])).rejects.toThrow(/20200102000000_bad failed earlier/);
    });
  });
});
