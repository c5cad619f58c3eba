import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { ProviderSubUser } from '@app/domain';
import { Ledger, PersistenceModule, resolveDatabaseTarget } from '@app/persistence';
import { databaseClientOf } from '@app/persistence/testing';
import { TestDatabase, createTestDatabase } from '../support/test-database';

/** The persistence library alone, on a real database (embedded, or PostgreSQL with DATABASE_URL). */
export interface LedgerHarness {
  app: INestApplicationContext;
  ledger: Ledger;
  db: ReturnType<typeof databaseClientOf>;
  database: TestDatabase;
  accountId: string;
  close(): Promise<void>;
}

export async function startLedger(options: { postgres?: boolean } = {}): Promise<LedgerHarness> {
  const database = await createTestDatabase(options);
  @Module({ imports: [PersistenceModule.forRoot({ target: resolveDatabaseTarget(database.url) })] })
  class LedgerOnly {}
  const app = await NestFactory.createApplicationContext(LedgerOnly, { logger: false });
  const db = databaseClientOf(app);
  const accountId = randomUUID();
  // The rows a sub-user record refers to (staged: no service under test makes them).
  await db.tenant.createMany({
    data: [
      { id: 'default', name: 'default' },
      { id: 'acme', name: 'acme' },
    ],
  });
  await db.providerAccount.create({
    data: {
      id: accountId,
      provider: 'proxyhat',
      name: 'ph',
      baseUrl: 'http://127.0.0.1:1',
      apiKeyCiphertext: 'x',
      apiKeyKeyId: 'k',
    },
  });
  return {
    app,
    ledger: app.get(Ledger),
    db,
    database,
    accountId,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export const actor = { keyId: null, requestId: 'medium-test' };

export function providerSubUser(overrides: Partial<ProviderSubUser> = {}): ProviderSubUser {
  return {
    provider: 'proxyhat',
    providerSubUserId: randomUUID(),
    name: 'one',
    notes: null,
    status: 'active',
    providerStatus: 'Active',
    traffic: { limitBytes: null, usedBytes: 0, periodStart: null, periodEnd: null },
    maxConcurrency: null,
    countries: null,
    groupId: null,
    proxyUsername: 'user_one',
    stats: null,
    createdAt: new Date().toISOString(),
    updatedAt: null,
    ...overrides,
  };
}
