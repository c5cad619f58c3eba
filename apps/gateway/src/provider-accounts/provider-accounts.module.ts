import { DynamicModule, Global, Module } from '@nestjs/common';
import { ProvidersModule, ProviderRegistryOptions } from '@app/providers';
import { ProviderAccountRepository } from '@app/persistence/repositories/provider-account.repository';
import { GatewayConfig } from '../config/gateway-config';
import { ProvidersController } from '../providers/providers.controller';
import { DemoAccounts } from './demo-accounts';
import { ProviderAccountsController } from './provider-accounts.controller';
import { ProviderAccountsService } from './provider-accounts.service';

/** Provider accounts and the driver registry they feed (one driver per account). */
@Global()
@Module({})
export class ProviderAccountsModule {
  static forRoot(config: GatewayConfig, registryOptions: ProviderRegistryOptions = {}): DynamicModule {
    return {
      module: ProviderAccountsModule,
      imports: [
        ProvidersModule.forRoot({
          redisUrl: config.redisUrl,
          ...registryOptions,
          driverOptions: {
            timeoutMs: config.providers.upstreamTimeoutMs,
            ...registryOptions.driverOptions,
            rateLimit: { enabled: config.providers.rateLimit, ...registryOptions.driverOptions?.rateLimit },
          },
        }),
      ],
      controllers: [ProviderAccountsController, ProvidersController],
      providers: [ProviderAccountRepository, ProviderAccountsService, DemoAccounts],
      exports: [ProviderAccountsService, ProviderAccountRepository],
    };
  }
}
