import { resolve } from 'node:path';

/**
 * Which database the gateway talks to, from DATABASE_URL:
 * - unset → embedded PostgreSQL (PGlite) in ./data/pglite (one process on one machine);
 * - `pglite:memory://` → an in-memory PGlite (tests);
 * - `pglite:memory://?from=<file>` → an in-memory PGlite started from a data-folder dump (PGlite's
 *   `dumpDataDir`): skips creating a database from nothing (the test suite's migrated template);
 * - `pglite:<path>` → PGlite in that folder;
 * - `postgres://` or `postgresql://` → PostgreSQL.
 */
export type DatabaseTarget =
  { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null; from?: string };

export const DEFAULT_PGLITE_DIR = './data/pglite';

export function resolveDatabaseTarget(databaseUrl: string | undefined): DatabaseTarget {
  const url = databaseUrl?.trim();
  if (!url) return { kind: 'pglite', dataDir: resolve(DEFAULT_PGLITE_DIR) };
  const memory = /^pglite:memory(?::\/\/)?(?:\?from=(.+))?$/.exec(url);
  if (memory) {
    const from = memory[1] ? resolve(decodeURIComponent(memory[1])) : undefined;
    return { kind: 'pglite', dataDir: null, ...(from ? { from } : {}) };
  }
  if (url.startsWith('pglite:')) return { kind: 'pglite', dataDir: resolve(url.slice('pglite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error(
    'must be a postgresql:// URL, pglite:memory:// (optionally ?from=<dump>) or pglite:<folder>',
  );
}

/** A description safe to log: never the password of a PostgreSQL URL. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite')
    return target.dataDir
      ? `embedded PostgreSQL (PGlite) at ${target.dataDir}`
      : `embedded PostgreSQL (PGlite) in memory${target.from ? ` from ${target.from}` : ''}`;
  try {
    const parsed = new URL(target.url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}
