import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * On an embedded-database run, builds the databases every test file's embedded database starts
 * from (./pglite-template.ts): the migrated one, named in SGW_TEST_PGLITE_TEMPLATE, and a blank
 * one, in SGW_TEST_PGLITE_BLANK; the test workers inherit both and ./global-teardown.ts removes
 * them. PostgreSQL runs create real databases instead.
 */
export default function globalSetup(): void {
  if (/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) return;
  const folder = mkdtempSync(join(tmpdir(), 'sgw-test-template-'));
  const [migrated, blank] = [join(folder, 'pglite.tar'), join(folder, 'pglite-blank.tar')];
  execFileSync(
    process.execPath,
    ['-r', './scripts/ts-register.js', 'test/support/pglite-template.ts', migrated, blank],
    {
      cwd: resolve(__dirname, '../..'),
      stdio: 'inherit',
    },
  );
  // A builder whose event loop ran dry (a promise that never settles) exits 0 having written nothing.
  for (const dump of [migrated, blank]) {
    if (!existsSync(dump)) throw new Error(`test/support/pglite-template.ts did not write ${dump}`);
  }
  process.env.SGW_TEST_PGLITE_TEMPLATE = migrated;
  process.env.SGW_TEST_PGLITE_BLANK = blank;
}
