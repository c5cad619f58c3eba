import { type DynamicModule, Module } from '@nestjs/common';
import { ProviderRegistry, type ProviderRegistryOptions } from './registry';

/** Injection token of the registry's options (override with `ProvidersModule.forRoot`). */
export const PROVIDER_REGISTRY_OPTIONS = Symbol('PROVIDER_REGISTRY_OPTIONS');

function registryFactory(options: ProviderRegistryOptions): ProviderRegistry {
  return new ProviderRegistry({
    ...options,
    redisUrl: options.redisUrl ?? process.env.REDIS_URL ?? undefined,
  });
}

/**
 * Exposes one {@link ProviderRegistry} (inject the class). Drivers are collected by provider name
 * in the registry's factory list; the registry closes its drivers on shutdown.
 */
@Module({
  providers: [
    { provide: PROVIDER_REGISTRY_OPTIONS, useValue: {} },
    { provide: ProviderRegistry, useFactory: registryFactory, inject: [PROVIDER_REGISTRY_OPTIONS] },
  ],
  exports: [ProviderRegistry],
})
export class ProvidersModule {
  static forRoot(options: ProviderRegistryOptions = {}): DynamicModule {
    return {
      module: ProvidersModule,
      global: true,
      providers: [{ provide: PROVIDER_REGISTRY_OPTIONS, useValue: options }],
      exports: [ProviderRegistry],
    };
  }
}
