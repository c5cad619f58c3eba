/**
 * Whether an error means the database cannot be reached right now (refused or dropped
 * connections, a server shutting down or not accepting connections, an exhausted pool), as
 * opposed to a query the database refused. Such errors answer 503 DATABASE_UNAVAILABLE with
 * Retry-After: the caller did nothing wrong and the same request will work once it is back.
 *
 * Prisma wraps driver errors (`meta.driverAdapterError.cause`); pg and Node errors can also
 * arrive unwrapped (migrations, scripts), so the whole cause chain is searched.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (signalsUnavailable(current as ErrorShape)) return true;
    const shape = current as ErrorShape;
    pending.push(shape.cause, shape.meta?.driverAdapterError, shape.meta?.driverAdapterError?.cause);
  }
  return false;
}

/** Seconds a caller is asked to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

interface ErrorShape {
  code?: unknown;
  kind?: unknown;
  severity?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
}

/** Prisma's codes for "cannot reach", "timed out", "connection closed", "pool exhausted", "too many connections". */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Driver-adapter error kinds with the same meanings. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/** SQLSTATEs: admin or crash shutdown, cannot connect now, too many connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own messages for a connection that ended under it (they carry no code). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /Client has encountered a connection error/,
  /timeout exceeded when trying to connect/,
];

function signalsUnavailable(error: ErrorShape): boolean {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code))) return true;
  if (typeof error.kind === 'string' && ADAPTER_KINDS.has(error.kind)) return true;
  // A PostgreSQL error: class 08 is "connection exception"; FATAL ends the session itself
  // (e.g. 55000 "database is not currently accepting connections").
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    return code.startsWith('08') || SQLSTATES.has(code) || error.severity === 'FATAL';
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message));
}
