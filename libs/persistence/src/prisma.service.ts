import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database';
import { describeDatabaseTarget } from './database-target';
import { PrismaClient } from './generated/prisma/client';
import type { SqlClient } from './sql';

/** The open database as Nest sees it; closed (PGlite included) when the application shuts down. */
@Injectable()
export class PrismaService implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(readonly database: Database) {}

  get client(): PrismaClient {
    return this.database.prisma;
  }

  /** Plain SQL on the same connections (hot paths; see ./sql.ts). */
  get sql(): SqlClient {
    return this.database.sql;
  }

  get kind(): 'postgres' | 'pglite' {
    return this.database.target.kind;
  }

  describe(): string {
    return describeDatabaseTarget(this.database.target);
  }

  /** Readiness: one round trip to the database. */
  async ping(): Promise<void> {
    await this.database.prisma.$queryRawUnsafe('SELECT 1');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
    this.logger.log('Database closed');
  }
}
