import { openDatabase } from './database';
import { resolveDatabaseTarget } from './database-target';
import type { Database } from './database';
import { blankEmbeddedUrl } from '../../../test/support/test-database';

/**
 * The embedded database runs each statement on the gateway's own thread. A chain of statements
 * (a sync's adoption batches) must still let the event loop serve sockets and timers between
 * them: before, a 0 ms timer waited for the whole chain (an API stalled for 2.9 s during a sync).
 */
describe('the embedded database between statements', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase(resolveDatabaseTarget(blankEmbeddedUrl()));
    await database.sql.query('CREATE TABLE filler (n int, note text)');
  });
  afterAll(async () => {
    await database?.close();
  });

  const STATEMENTS = 10;
  const insert = "INSERT INTO filler SELECT g, repeat('x', 100) FROM generate_series(1, 500) g";

  /** How many statements of `chain` had finished when a 0 ms timer set at its start ran. */
  async function finishedWhenTimerRan(chain: (counted: () => void) => Promise<unknown>): Promise<number> {
    let finished = 0;
    let seen: number | null = null;
    const timer = setTimeout(() => (seen = finished), 0);
    try {
      await chain(() => (finished += 1));
    } finally {
      clearTimeout(timer);
    }
    return seen ?? finished;
  }

  /** STATEMENTS runs of `statement`, one after another. */
  const chainOf = (statement: () => Promise<unknown>) => async (counted: () => void) => {
    for (let i = 0; i < STATEMENTS; i++) {
      await statement();
      counted();
    }
  };

  const count = async () =>
    (await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM filler'))[0].count;

  it('lets a timer run during a chain of plain statements', async () => {
    expect(await finishedWhenTimerRan(chainOf(() => database.sql.query(insert)))).toBeLessThan(3);
  });

  it('lets a timer run during a chain of Prisma statements', async () => {
    expect(await finishedWhenTimerRan(chainOf(() => database.prisma.$executeRawUnsafe(insert)))).toBeLessThan(
      3,
    );
  });

  it('lets a timer run during a transaction, which still commits as one', async () => {
    const before = await count();
    const seen = await finishedWhenTimerRan((counted) =>
      database.prisma.$transaction((tx) => chainOf(() => tx.$executeRawUnsafe(insert))(counted)),
    );
    expect(seen).toBeLessThan(3);
    expect((await count()) - before).toBe(STATEMENTS * 500);
  });
});
