import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyRepository } from '@app/persistence/repositories/api-key.repository';
import { TenantRepository } from '@app/persistence/repositories/tenant.repository';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { RevocationBus } from './revocation-bus';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/** API keys, tenants and the global guard. Global so others can use TenantRepository. */
@Global()
@Module({
  controllers: [ApiKeysController, TenantsController],
  providers: [
    ApiKeyRepository,
    TenantRepository,
    RevocationBus,
    ApiKeysService,
    TenantsService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, TenantRepository],
})
export class AccessModule {}
