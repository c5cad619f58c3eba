import { resolve } from 'node:path';

/**
 * Which database the gateway talks to, from DATABASE_URL:
 * - unset → embedded PostgreSQL (PGlite) in ./data/pglite (one process on one machine);
 * - `pglite:memory://` → an in-memory PGlite (tests);
 * - `pglite:<path>` → PGlite in that folder;
 * - `postgres://` or `postgresql://` → PostgreSQL.
 */
export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };

export const DEFAULT_PGLITE_DIR = './data/pglite';

export function resolveDatabaseTarget(databaseUrl: string | undefined): DatabaseTarget {
  const url = databaseUrl?.trim();
  if (!url) return { kind: 'pglite', dataDir: resolve(DEFAULT_PGLITE_DIR) };
  if (url === 'pglite:memory://' || url === 'pglite:memory') return { kind: 'pglite', dataDir: null };
  if (url.startsWith('pglite:')) return { kind: 'pglite', dataDir: resolve(url.slice('pglite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error('must be a postgresql:// URL, pglite:memory:// or pglite:<folder>');
}

/** A description safe to log: never the password of a PostgreSQL URL. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite')
    return target.dataDir
      ? `embedded PostgreSQL (PGlite) at ${target.dataDir}`
      : 'embedded PostgreSQL (PGlite) in memory';
  try {
    const parsed = new URL(target.url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}
