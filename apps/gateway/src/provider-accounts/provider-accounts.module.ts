import { DynamicModule, Global, Module } from '@nestjs/common';
import { ProviderRegistry, ProviderRegistryOptions } from '@app/providers';
import { UpstreamObserver } from '../observability/upstream-observer';
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
      controllers: [ProviderAccountsController, ProvidersController],
      providers: [
        {
          // One registry: one driver (keep-alive agent, circuit, limiter) per account, observed
          // by metrics and logs through the drivers' hooks.
          provide: ProviderRegistry,
          inject: [UpstreamObserver],
          useFactory: (observer: UpstreamObserver) =>
            new ProviderRegistry({
              redisUrl: config.redisUrl,
              ...registryOptions,
              driverOptions: {
                timeoutMs: config.providers.upstreamTimeoutMs,
                ...registryOptions.driverOptions,
                rateLimit: {
                  enabled: config.providers.rateLimit,
                  ...registryOptions.driverOptions?.rateLimit,
                },
                hooks: observer.hooks,
              },
            }),
        },
        ProviderAccountRepository,
        ProviderAccountsService,
        DemoAccounts,
      ],
      exports: [ProviderRegistry, ProviderAccountsService, ProviderAccountRepository],
    };
  }
}
