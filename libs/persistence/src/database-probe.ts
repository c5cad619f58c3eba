import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

/** What health checks need of the database: one round trip, and what it is. */
@Injectable()
export class DatabaseProbe {
  constructor(private readonly prisma: PrismaService) {}

  ping(): Promise<void> {
    return this.prisma.ping();
  }

  get kind(): 'postgres' | 'pglite' {
    return this.prisma.kind;
  }

  describe(): string {
    return this.prisma.describe();
  }
}
