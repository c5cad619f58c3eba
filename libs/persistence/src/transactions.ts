import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

const CLIENT = Symbol('transaction client');

/**
 * An open transaction, opaque outside this library: services pass it from {@link Transactions.run}
 * to repositories and the ledger, so several writes commit together, but they never hold a
 * database client of their own.
 */
export class Tx {
  /** @internal */
  readonly [CLIENT]: Prisma.TransactionClient;

  /** @internal */
  constructor(client: Prisma.TransactionClient) {
    this[CLIENT] = client;
  }
}

/** The client a repository writes through: the transaction's when one is open. @internal */
export function clientOf(prisma: PrismaService, tx?: Tx): Prisma.TransactionClient | PrismaClient {
  return tx ? tx[CLIENT] : prisma.client;
}

/** The one way a transaction starts in this code base. */
@Injectable()
export class Transactions {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.client.$transaction((client) => work(new Tx(client)));
  }
}
