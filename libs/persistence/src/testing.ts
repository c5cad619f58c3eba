// For tests only: the database client behind a running application, to inspect (and, where a
// test stages a state no request can reach, to arrange) tables directly.
import type { INestApplicationContext } from '@nestjs/common';
import type { PrismaClient } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

export function databaseClientOf(app: INestApplicationContext): PrismaClient {
  return app.get(PrismaService, { strict: false }).client;
}

export { PrismaService };

/**
 * Records the SQL of every round trip the application's database connections make while `work`
 * runs (BEGIN and COMMIT included), for tests that bound them.
 */
export async function statementsDuring(
  app: INestApplicationContext,
  work: () => Promise<unknown>,
): Promise<string[]> {
  const seen: string[] = [];
  const stop = app.get(PrismaService, { strict: false }).database.statements.add((sql) => seen.push(sql));
  try {
    await work();
  } finally {
    stop();
  }
  return seen;
}
