import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';

/**
 * Plain SQL on the application's own connections (the pg pool Prisma's adapter uses, or the one
 * PGlite instance), for the hot paths: a statement through Prisma's raw query costs about four
 * times the CPU of the same statement through the driver (measured: ~325 µs vs ~80 µs), and a
 * Prisma transaction adds BEGIN and COMMIT round trips. The ledger's hot writes are single
 * statements (a statement is its own transaction), so they need no transaction object.
 * Never leaves this library.
 */
export interface SqlClient {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** Positional parameters of a statement built in parts: `add` returns the placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** What a statement observer sees: the SQL text of each round trip (BEGIN and COMMIT included). */
export type StatementListener = (text: string) => void;

/** Round trips to the database, counted by tests (the statement bound of a create, an update...). */
export class StatementObservers {
  private readonly listeners = new Set<StatementListener>();

  get active(): boolean {
    return this.listeners.size > 0;
  }

  add(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(text: unknown): void {
    if (this.listeners.size === 0) return;
    const sql =
      typeof text === 'string' ? text : String((text as { text?: unknown } | null)?.text ?? '(unknown)');
    for (const listener of this.listeners) listener(sql);
  }
}

export function pgSqlClient(pool: Pool, observers: StatementObservers): SqlClient {
  // Every round trip of the pool's connections (this client's and Prisma's) passes here.
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (observers.active) observers.emit(args[0]);
      return query(...args);
    };
  });
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
      return (await pool.query(text, params as unknown[])).rows as Row[];
    },
  };
}

export function pgliteSqlClient(pglite: PGlite, observers: StatementObservers): SqlClient {
  observePglite(pglite, observers);
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
      return (await pglite.query<Row>(text, params as unknown[])).rows;
    },
  };
}

/** Wraps PGlite's entry points (its transactions' too) so observers see each statement. */
function observePglite(pglite: PGlite, observers: StatementObservers): void {
  const target = pglite as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['query', 'exec'] as const) {
    const original = target[method].bind(pglite);
    target[method] = (...args: unknown[]) => {
      if (observers.active) observers.emit(args[0]);
      return original(...args);
    };
  }
  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = <T>(work: (tx: Transaction) => Promise<T>) => {
    if (observers.active) observers.emit('BEGIN');
    return transaction(async (tx) => {
      const observed = Object.create(tx) as Transaction;
      observed.query = (...args: Parameters<Transaction['query']>) => {
        if (observers.active) observers.emit(args[0]);
        return tx.query(...args);
      };
      observed.exec = (...args: Parameters<Transaction['exec']>) => {
        if (observers.active) observers.emit(args[0]);
        return tx.exec(...args);
      };
      try {
        return await work(observed);
      } finally {
        if (observers.active) observers.emit('COMMIT');
      }
    });
  };
}
