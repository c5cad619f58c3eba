// Builds the migrated embedded database that every in-memory test database of a run starts from
// (written as PGlite's data-folder dump to the file named by the first argument). Run once per
// `npm test` by ./global-setup.ts, as its own process: each test file then unpacks it instead of
// creating a database from nothing and migrating it (about 2.7 s against 1.0 s per database).
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_EXTENSIONS, applyMigrations } from '@app/persistence';

async function buildTemplate(file: string): Promise<void> {
  const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
  try {
    await applyMigrations({
      query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
      exec: async (script: string) => void (await pglite.exec(script)),
      withLock: (work) => work(),
    });
    const dump = await pglite.dumpDataDir('none');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  } finally {
    await pglite.close();
  }
}

buildTemplate(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
