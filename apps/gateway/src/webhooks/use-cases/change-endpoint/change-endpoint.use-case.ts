import { Inject, Injectable } from '@nestjs/common';
import {
  Ledger,
  Transactions,
  type WebhookEndpointChanges,
  WebhookEndpointRepository,
} from '@app/persistence';
import { GATEWAY_CONFIG } from '../../../config/config.module';
import type { GatewayConfig } from '../../../config/gateway-config';
import { EndpointAccess, type WebhookRequestMeta, actorOf } from '../../endpoint-access';
import { WebhookDeliverer } from '../../webhook-deliverer';
import { checkWebhookUrl } from '../../webhook-target';
import type { UpdateWebhookEndpointDto, WebhookEndpointDto } from '../../webhook.dto';
import { toEndpointView } from '../../webhook.view';

/** Change an endpoint, as PATCH /v1/webhook-endpoints/:id asks. */
export interface ChangeEndpointCommand {
  id: string;
  dto: UpdateWebhookEndpointDto;
  meta: WebhookRequestMeta;
}

/**
 * PATCH semantics: an absent field is unchanged; `events: null` subscribes to every type,
 * `description: null` clears it; `enabled: true` resumes deliveries and clears a failing streak.
 */
@Injectable()
export class ChangeEndpoint {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly access: EndpointAccess,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly deliverer: WebhookDeliverer,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute({ id, dto, meta }: ChangeEndpointCommand): Promise<WebhookEndpointDto> {
    const before = await this.access.findOwned(id, meta.auth);
    const changes: WebhookEndpointChanges = {
      ...(dto.url !== undefined ? { url: checkWebhookUrl(dto.url, this.config.webhooks.hostAllowlist) } : {}),
      ...(dto.events !== undefined ? { eventTypes: [...new Set(dto.events ?? [])] } : {}),
      ...(dto.description !== undefined ? { description: dto.description } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    };
    const after = await this.transactions.run(async (tx) => {
      const saved = await this.endpoints.update(id, changes, tx);
      await this.ledger.recordChange(
        {
          action: 'webhook-endpoint.updated',
          targetType: 'webhook-endpoint',
          targetId: id,
          tenantId: saved.tenantId,
          actor: actorOf(meta),
          changes: { before: toEndpointView(before), after: toEndpointView(saved), request: { ...dto } },
        },
        tx,
      );
      return saved;
    });
    // A resumed endpoint's backlog goes out now rather than at the next poll.
    if (dto.enabled === true) this.deliverer.kick();
    return toEndpointView(after);
  }
}
