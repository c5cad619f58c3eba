import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { openDatabase } from './database';
import { DatabaseTarget, describeDatabaseTarget } from './database-target';
import { DatabaseProbe } from './database-probe';
import { Ledger } from './ledger/ledger';
import { PrismaLedger } from './ledger/prisma-ledger';
import { PrismaService } from './prisma.service';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditRepository } from './repositories/audit.repository';
import { EventRepository } from './repositories/event.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { JobRepository } from './repositories/job.repository';
import { ProviderAccountRepository } from './repositories/provider-account.repository';
import { SubUserMappingRepository } from './repositories/sub-user-mapping.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { UsageRepository } from './repositories/usage.repository';
import { WebhookDeliveryRepository } from './repositories/webhook-delivery.repository';
import { WebhookEndpointRepository } from './repositories/webhook-endpoint.repository';
import { Transactions } from './transactions';

/** Everything the application may use of the database: repositories, the ledger, transactions. */
const PUBLIC_PROVIDERS = [
  ApiKeyRepository,
  AuditRepository,
  EventRepository,
  IdempotencyRepository,
  JobRepository,
  ProviderAccountRepository,
  SubUserMappingRepository,
  TenantRepository,
  UsageRepository,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  Transactions,
  DatabaseProbe,
];

export interface PersistenceOptions {
  target: DatabaseTarget;
  poolSize?: number;
  /** Apply the committed migrations before anything else uses the database (default true). */
  migrate?: boolean;
}

/** The database is one of the few truly global things: every feature module reads or writes it. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: PrismaService,
          useFactory: async () => {
            const logger = new Logger('Database');
            const database = await openDatabase(options.target, { poolSize: options.poolSize });
            if (options.migrate !== false) {
              try {
                const applied = await database.migrate();
                if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
              } catch (error) {
                await database.close();
                throw error;
              }
            }
            logger.log(`Using ${describeDatabaseTarget(options.target)}`);
            return new PrismaService(database);
          },
        },
        ...PUBLIC_PROVIDERS,
        // The abstract class is the token; the Prisma implementation is bound here only.
        { provide: Ledger, useClass: PrismaLedger },
      ],
      exports: [Ledger, ...PUBLIC_PROVIDERS],
    };
  }
}
