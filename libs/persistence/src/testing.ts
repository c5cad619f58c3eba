// For tests only: the database client behind a running application, to inspect (and, where a
// test stages a state no request can reach, to arrange) tables directly.
import type { INestApplicationContext } from '@nestjs/common';
import type { PrismaClient } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

export function databaseClientOf(app: INestApplicationContext): PrismaClient {
  return app.get(PrismaService, { strict: false }).client;
}

export { PrismaService };
