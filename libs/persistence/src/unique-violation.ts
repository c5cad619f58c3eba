/**
 * Whether a constraint of the given kind (SQLSTATE; Prisma's own code for its queries) refused the
 * write, optionally a named one. Prisma reports raw queries' errors as P2010 ("Raw query failed.
 * Code: `23505`"); the plain SQL clients give the SQLSTATE itself.
 */
function violates(error: unknown, sqlState: string, prismaCode: string, constraint?: string): boolean {
  const candidate = error as { code?: unknown; message?: unknown; meta?: unknown } | null;
  const text = `${String(candidate?.message ?? '')} ${JSON.stringify(candidate?.meta ?? '')}`;
  const violated =
    candidate?.code === prismaCode ||
    candidate?.code === sqlState ||
    (candidate?.code === 'P2010' && text.includes(sqlState));
  return violated && (constraint === undefined || text.includes(constraint));
}

/** A unique constraint refused the write (another writer got there first). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return violates(error, '23505', 'P2002', constraint);
}

/** A foreign key refused the write: what it references is gone (a provider account removed meanwhile). */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  return violates(error, '23503', 'P2003', constraint);
}

/**
 * A write found no row to change: a concurrent request removed it after this one read it (two
 * DELETEs at once, a PATCH racing a DELETE). Prisma's P2025 on update and delete.
 */
export function isRecordGone(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2025';
}
