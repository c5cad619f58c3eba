import { Transaction } from '@electric-sql/pglite';
import { Client } from 'pg';
import { DatabaseTarget, startEmbedded } from '@app/persistence';
import { SqlSession } from './reseal';

export type ClosableSqlSession = SqlSession & { close(): Promise<void> };

/**
 * One plain connection for maintenance commands (`npm run keys:reseal`), to PostgreSQL or to the
 * embedded database's folder. The embedded database is one process's: stop the gateway first.
 */
export async function openSqlSession(target: DatabaseTarget): Promise<ClosableSqlSession> {
  if (target.kind === 'postgres') {
    const client = new Client({ connectionString: target.url });
    await client.connect();
    const session: ClosableSqlSession = {
      query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
      transaction: async (work) => {
        await client.query('BEGIN');
        try {
          const result = await work(session);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
      close: () => client.end(),
    };
    return session;
  }
  // Started as the gateway starts it: the extensions the migrations created (pg_trgm's index on
  // names) must load to write the tables, and a memory database named with ?from= starts from it.
  const pglite = await startEmbedded(target);
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
    transaction: (work) => pglite.transaction((tx) => work(inTransaction(tx))),
    close: () => pglite.close(),
  };
}

function inTransaction(tx: Transaction): SqlSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await tx.query<Row>(sql, params)).rows,
    transaction: () => Promise.reject(new Error('Nested transactions are not supported')),
  };
}
