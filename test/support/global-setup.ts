import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * On an embedded-database run, builds the migrated database every test file's in-memory database
 * starts from (./pglite-template.ts) and names it in SGW_TEST_PGLITE_TEMPLATE, which the test
 * workers inherit; ./global-teardown.ts removes it. PostgreSQL runs create real databases instead.
 */
export default function globalSetup(): void {
  if (/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) return;
  const file = join(mkdtempSync(join(tmpdir(), 'sgw-test-template-')), 'pglite.tar');
  execFileSync(
    process.execPath,
    ['-r', './scripts/ts-register.js', 'test/support/pglite-template.ts', file],
    {
      cwd: resolve(__dirname, '../..'),
      stdio: 'inherit',
    },
  );
  process.env.SGW_TEST_PGLITE_TEMPLATE = file;
}
