import type { PGlite, Transaction } from '@electric-sql/pglite';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
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
  aroundStatements(pglite, {
    before: (text) => {
      if (observers.active) observers.emit(text);
    },
    // PGlite runs a statement on this thread and resolves it in a microtask, so a chain of
    // statements (a sync's adoption batches, a bulk job) never let timers or sockets run: no
    // request was answered and no provider reply read for seconds (a 4 s stall measured in the
    // sync benchmark). Each caller resumes after the I/O pending meanwhile has had its turn.
    after: () => yieldToEventLoop(),
  });
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
      return (await pglite.query<Row>(text, params as unknown[])).rows;
    },
  };
}

interface StatementHooks {
  /** Sees each statement's text (BEGIN and COMMIT of a transaction included) before it runs. */
  before(text: unknown): void;
  /** Awaited after each statement, before its caller resumes. */
  after(): Promise<void>;
}

/** Wraps PGlite's entry points (its transactions' too, so Prisma's adapter's) with `hooks`. */
function aroundStatements(pglite: PGlite, hooks: StatementHooks): void {
  const wrap = <F extends (...args: never[]) => Promise<unknown>>(run: F): F =>
    (async (...args: Parameters<F>) => {
      hooks.before(args[0]);
      const result = await run(...args);
      await hooks.after();
      return result;
    }) as F;
  pglite.query = wrap(pglite.query.bind(pglite));
  pglite.exec = wrap(pglite.exec.bind(pglite));
  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = <T>(work: (tx: Transaction) => Promise<T>) => {
    hooks.before('BEGIN');
    return transaction(async (tx) => {
      const observed = Object.create(tx) as Transaction;
      observed.query = wrap(tx.query.bind(tx));
      observed.exec = wrap(tx.exec.bind(tx));
      try {
        return await work(observed);
      } finally {
        hooks.before('COMMIT');
      }
    });
  };
}
