/**
 * A unique constraint refused the write (another writer got there first). Prisma reports it as
 * P2002 for its own queries and as P2010 ("Raw query failed. Code: `23505`") for raw ones.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: unknown; message?: unknown; meta?: unknown } | null;
  const text = `${String(candidate?.message ?? '')} ${JSON.stringify(candidate?.meta ?? '')}`;
  const unique =
    candidate?.code === 'P2002' ||
    candidate?.code === '23505' ||
    (candidate?.code === 'P2010' && text.includes('23505'));
  return unique && (constraint === undefined || text.includes(constraint));
}

/**
 * A foreign key refused the write: what it references is gone (a provider account or tenant
 * removed meanwhile). P2003 for Prisma's own queries, 23503 for raw ones.
 */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: unknown; message?: unknown; meta?: unknown } | null;
  const text = `${String(candidate?.message ?? '')} ${JSON.stringify(candidate?.meta ?? '')}`;
  const foreignKey =
    candidate?.code === 'P2003' ||
    candidate?.code === '23503' ||
    (candidate?.code === 'P2010' && text.includes('23503'));
  return foreignKey && (constraint === undefined || text.includes(constraint));
}
