import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { PersistenceModule } from '@app/persistence';
import { ProviderRegistryOptions } from '@app/providers';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { EventsModule } from './events/events.module';
import { loggerOptions } from './common/logging';
import { ProblemDetailsFilter } from './common/problem/problem-details.filter';
import { GatewayConfigModule } from './config/config.module';
import { GatewayConfig } from './config/gateway-config';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { JobsModule } from './jobs/jobs.module';
import { ObservabilityModule } from './observability/observability.module';
import { ProviderAccountsModule } from './provider-accounts/provider-accounts.module';
import { SubUsersModule } from './sub-users/sub-users.module';
import { SyncModule } from './sync/sync.module';
import { UsageModule } from './usage/usage.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The product: no demo code in it (the demo runs the provider sandbox beside the gateway). */
@Module({})
export class AppModule {
  static forRoot(
    config: GatewayConfig,
    registryOptions: ProviderRegistryOptions = {},
    logStream?: NodeJS.WritableStream,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Truly global: configuration, logging, the database.
        GatewayConfigModule.forRoot(config, registryOptions),
        LoggerModule.forRoot(loggerOptions(config, logStream)),
        PersistenceModule.forRoot({ target: config.database.target, poolSize: config.database.poolSize }),
        ObservabilityModule,
        HealthModule,
        AuditModule,
        AccessModule,
        IdempotencyModule,
        JobsModule,
        ProviderAccountsModule,
        SubUsersModule,
        SyncModule,
        UsageModule,
        EventsModule,
        WebhooksModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
