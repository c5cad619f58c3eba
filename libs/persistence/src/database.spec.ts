import { openDatabase } from './database';
import { resolveDatabaseTarget } from './database-target';
import type { Database } from './database';

/**
 * The embedded database runs each statement on the gateway's own thread. A chain of statements
 * (a sync's adoption batches) must still let the event loop serve sockets and timers between
 * them: before, a 0 ms timer waited for the whole chain (an API stalled for 2.9 s during a sync).
 */
describe('the embedded database between statements', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase(resolveDatabaseTarget('pglite:memory://'));
    await database.sql.query('CREATE TABLE filler (n int, note text)');
  });
  afterAll(async () => {
    await database?.close();
  });

  /** Runs `statements` one after another; answers how many had finished when a 0 ms timer ran. */
  async function finishedWhenTimerRan(statements: number, run: () => Promise<unknown>): Promise<number> {
    let finished = 0;
    let seen: number | null = null;
    const timer = setTimeout(() => (seen = finished), 0);
    try {
      for (let i = 0; i < statements; i++) {
        await run();
        finished += 1;
      }
    } finally {
      clearTimeout(timer);
    }
    return seen ?? statements;
  }

  const insert = "INSERT INTO filler SELECT g, repeat('x', 100) FROM generate_series(1, 500) g";

  it('lets a timer run during a chain of plain statements', async () => {
    expect(await finishedWhenTimerRan(10, () => database.sql.query(insert))).toBeLessThan(3);
  });

  it('lets a timer run during a chain of Prisma statements', async () => {
    expect(await finishedWhenTimerRan(10, () => database.prisma.$executeRawUnsafe(insert))).toBeLessThan(3);
  });

  it('lets a timer run during a transaction, which still commits as one', async () => {
    const before = (
      await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM filler')
    )[0].count;
    let seen: number | null = null;
    let finished = 0;
    const timer = setTimeout(() => (seen = finished), 0);
    await database.prisma.$transaction(async (tx) => {
      for (let i = 0; i < 10; i++) {
        await tx.$executeRawUnsafe(insert);
        finished += 1;
      }
    });
    clearTimeout(timer);
    expect(seen ?? 10).toBeLessThan(3);
    const after = (
      await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM filler')
    )[0].count;
    expect(after - before).toBe(5_000);
  });
});
