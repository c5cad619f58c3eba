import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { EndpointAccess } from './endpoint-access';
import { ChangeEndpoint } from './use-cases/change-endpoint/change-endpoint.use-case';
import { EndpointDeliveries } from './use-cases/deliveries/deliveries.use-case';
import { QueryEndpoints } from './use-cases/query-endpoints/query-endpoints.use-case';
import { RegisterEndpoint } from './use-cases/register-endpoint/register-endpoint.use-case';
import { RemoveEndpoint } from './use-cases/remove-endpoint/remove-endpoint.use-case';
import { RotateSecret } from './use-cases/rotate-secret/rotate-secret.use-case';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookSender } from './webhook-sender';

/** Webhook endpoints (one use case per operation) and the deliverer that sends the outbox to them. */
@Module({
  imports: [CryptoModule],
  controllers: [WebhookEndpointsController],
  providers: [
    EndpointAccess,
    RegisterEndpoint,
    ChangeEndpoint,
    RemoveEndpoint,
    RotateSecret,
    QueryEndpoints,
    EndpointDeliveries,
    WebhookSender,
    WebhookDeliverer,
  ],
})
export class WebhooksModule {}
