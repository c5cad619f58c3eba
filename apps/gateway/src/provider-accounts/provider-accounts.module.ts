import { Module } from '@nestjs/common';
import { ProviderRegistry, type ProviderRegistryOptions } from '@app/providers';
import { GATEWAY_CONFIG, PROVIDER_REGISTRY_OPTIONS } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { CryptoModule } from '../crypto/crypto.module';
import { SharedRedis } from '../common/redis/shared-redis';
import { UpstreamObserver } from '../observability/upstream-observer';
import { ProvidersController } from '../providers/providers.controller';
import { DemoAccounts } from './demo-accounts';
import { ProviderAccountsController } from './provider-accounts.controller';
import { ProviderAccountsService } from './provider-accounts.service';
import { ProviderEndpointPolicy } from './provider-endpoint-policy';

/** Provider accounts and the driver registry they feed (one driver per account). */
@Module({
  imports: [CryptoModule],
  controllers: [ProviderAccountsController, ProvidersController],
  providers: [
    {
      // One registry: one driver (keep-alive pool, circuit, limiter) per account, observed by
      // metrics and logs through the drivers' hooks.
      provide: ProviderRegistry,
      inject: [GATEWAY_CONFIG, PROVIDER_REGISTRY_OPTIONS, UpstreamObserver, SharedRedis],
      useFactory: (
        config: GatewayConfig,
        options: ProviderRegistryOptions,
        observer: UpstreamObserver,
        shared: SharedRedis,
      ) =>
        new ProviderRegistry({
          // The limiters share the application's one Redis client (REDIS_URL), not one of their own.
          ...(shared.client ? { redis: shared.client } : {}),
          ...options,
          driverOptions: {
            timeoutMs: config.providers.upstreamTimeoutMs,
            ...options.driverOptions,
            rateLimit: { enabled: config.providers.rateLimit, ...options.driverOptions?.rateLimit },
            hooks: observer.hooks,
          },
        }),
    },
    ProviderEndpointPolicy,
    ProviderAccountsService,
    DemoAccounts,
  ],
  exports: [ProviderRegistry, ProviderAccountsService],
})
export class ProviderAccountsModule {}
