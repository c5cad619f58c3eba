import { resolve } from 'node:path';
import { describeDatabaseTarget, resolveDatabaseTarget } from './database-target';

describe('DATABASE_URL', () => {
  it('names an in-memory embedded database, alone or started from a dump', () => {
    expect(resolveDatabaseTarget('pglite:memory://')).toEqual({ kind: 'pglite', dataDir: null });
    const from = resolveDatabaseTarget(`pglite:memory://?from=${encodeURIComponent('/tmp/a b/pglite.tar')}`);
    expect(from).toEqual({ kind: 'pglite', dataDir: null, from: '/tmp/a b/pglite.tar' });
    expect(describeDatabaseTarget(from)).toBe(
      'embedded PostgreSQL (PGlite) in memory from /tmp/a b/pglite.tar',
    );
  });

  it('names a folder, PostgreSQL, or refuses anything else', () => {
    expect(resolveDatabaseTarget('pglite:./x')).toEqual({ kind: 'pglite', dataDir: resolve('./x') });
    expect(resolveDatabaseTarget(undefined)).toEqual({ kind: 'pglite', dataDir: resolve('./data/pglite') });
    expect(resolveDatabaseTarget('postgresql://u:p@h/db')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@h/db',
    });
    expect(() => resolveDatabaseTarget('mysql://h/db')).toThrow(/postgresql:\/\//);
  });
});

describe('an in-memory database from a dump', () => {
  it('holds what the dump held', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openDatabase } = await import('./database');
    const dir = mkdtempSync(join(tmpdir(), 'sgw-dump-'));
    const source = new PGlite();
    try {
      await source.exec("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the dump')");
      const file = join(dir, 'pglite.tar');
      writeFileSync(file, Buffer.from(await (await source.dumpDataDir('none')).arrayBuffer()));
      const database = await openDatabase(resolveDatabaseTarget(`pglite:memory://?from=${file}`));
      try {
        expect(await database.prisma.$queryRawUnsafe('SELECT note FROM kept')).toEqual([
          { note: 'from the dump' },
        ]);
      } finally {
        await database.close();
      }
    } finally {
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
