import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { RateLimitGuard } from '../observability/rate-limit.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { RequestAuthenticator } from './request-authenticator';
import { RevocationBus } from './revocation-bus';
import { ScopeGuard } from './scope.guard';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/**
 * API keys, tenants, the authentication hook and the global guards. Global: authentication is
 * everyone's (readiness details and the request hook need the key service). The guards run in
 * this order: the per-key rate limit (so refused calls count too), then scopes; authentication
 * itself happens earlier, in a hook, before the body is read.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [ApiKeysController, TenantsController],
  providers: [
    RevocationBus,
    ApiKeysService,
    TenantsService,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: ScopeGuard },
  ],
  exports: [ApiKeysService, RequestAuthenticator],
})
export class AccessModule {}
