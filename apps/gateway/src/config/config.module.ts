import { DynamicModule, Global, Module } from '@nestjs/common';
import type { ProviderRegistryOptions } from '@app/providers';
import { GatewayConfig } from './gateway-config';

/** Injection token for the validated configuration (the class is only a type). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
/** Driver settings given to createGatewayApp (tests shorten retries and timeouts). */
export const PROVIDER_REGISTRY_OPTIONS = Symbol('PROVIDER_REGISTRY_OPTIONS');

/** Configuration is truly global: every module may read it. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig, registryOptions: ProviderRegistryOptions = {}): DynamicModule {
    return {
      module: GatewayConfigModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: PROVIDER_REGISTRY_OPTIONS, useValue: registryOptions },
      ],
      exports: [GATEWAY_CONFIG, PROVIDER_REGISTRY_OPTIONS],
    };
  }
}
