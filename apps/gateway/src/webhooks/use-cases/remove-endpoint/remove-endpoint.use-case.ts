import { Injectable } from '@nestjs/common';
import { Ledger, Transactions, WebhookEndpointRepository } from '@app/persistence';
import { EndpointAccess, type WebhookRequestMeta, actorOf } from '../../endpoint-access';
import type { WebhookEndpointDto } from '../../webhook.dto';
import { toEndpointView } from '../../webhook.view';

/** Remove an endpoint, as DELETE /v1/webhook-endpoints/:id asks. */
export interface RemoveEndpointCommand {
  id: string;
  meta: WebhookRequestMeta;
}

/** Removes an endpoint with its delivery log; nothing more is sent to it. Answers it as it was. */
@Injectable()
export class RemoveEndpoint {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly access: EndpointAccess,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
  ) {}

  async execute({ id, meta }: RemoveEndpointCommand): Promise<WebhookEndpointDto> {
    const before = await this.access.findOwned(id, meta.auth);
    await this.transactions.run(async (tx) => {
      await this.endpoints.delete(id, tx);
      await this.ledger.recordChange(
        {
          action: 'webhook-endpoint.deleted',
          targetType: 'webhook-endpoint',
          targetId: id,
          tenantId: before.tenantId,
          actor: actorOf(meta),
          changes: { before: toEndpointView(before) },
        },
        tx,
      );
    });
    return toEndpointView(before);
  }
}
