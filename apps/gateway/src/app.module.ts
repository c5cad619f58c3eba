import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { PersistenceModule } from '@app/persistence';
import { GatewayConfigModule } from './config/config.module';
import { GatewayConfig } from './config/gateway-config';
import { ProblemDetailsFilter } from './common/problem/problem-details.filter';
import { HealthModule } from './health/health.module';
import { DemoSandboxModule } from './demo/demo-sandbox.module';
import { loggerOptions } from './common/logging';
import { CryptoModule } from './crypto/crypto.module';
import { AuditModule } from './audit/audit.module';
import { AccessModule } from './access/access.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { JobsModule } from './jobs/jobs.module';
import { ObservabilityModule } from './observability/observability.module';
import { ProviderAccountsModule } from './provider-accounts/provider-accounts.module';
import { SubUsersModule } from './sub-users/sub-users.module';
import { SyncModule } from './sync/sync.module';
import { ProviderRegistryOptions } from '@app/providers';

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
        GatewayConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config, logStream)),
        PersistenceModule.forRoot({ target: config.database.target, poolSize: config.database.poolSize }),
        ObservabilityModule,
        DemoSandboxModule,
        HealthModule,
        CryptoModule,
        AuditModule,
        AccessModule,
        IdempotencyModule,
        JobsModule,
        ProviderAccountsModule.forRoot(config, registryOptions),
        SubUsersModule,
        SyncModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
