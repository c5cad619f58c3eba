import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { WebhookDeliveryRepository } from '@app/persistence';
import { AuthContext } from '../../../access/auth-context';
import { Page, decodeCursor, pageLimit, toPage } from '../../../common/pagination';
import { EndpointAccess } from '../../endpoint-access';
import { WebhookDeliverer } from '../../webhook-deliverer';
import type { ListDeliveriesQueryDto, WebhookDeliveryDto } from '../../webhook.dto';
import { toDeliveryView } from '../../webhook.view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An endpoint's delivery log, and the two ways to send at once: a manual retry of one delivery,
 * and a `webhook.test` to this endpoint alone. Neither is a change, so neither is audited.
 */
@Injectable()
export class EndpointDeliveries {
  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly access: EndpointAccess,
    private readonly deliverer: WebhookDeliverer,
  ) {}

  async list(
    endpointId: string,
    auth: AuthContext,
    query: ListDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    await this.access.findOwned(endpointId, auth);
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const rows = await this.deliveries.listForEndpoint(
      endpointId,
      { status: query.status },
      { after, take: limit + 1 },
    );
    return toPage(rows, limit, toDeliveryView);
  }

  /**
   * Sends a delivery again now, whatever its state (a given-up one gets one more attempt), and
   * answers with its state afterwards; it waits instead while an earlier event of its sub-user is
   * still pending for this endpoint.
   */
  async retry(endpointId: string, deliveryId: string, auth: AuthContext): Promise<WebhookDeliveryDto> {
    await this.access.findOwned(endpointId, auth);
    const queued = UUID.test(deliveryId)
      ? await this.deliveries.requeue(endpointId, deliveryId, new Date())
      : null;
    if (!queued)
      throw new GatewayError('NOT_FOUND', `No delivery ${deliveryId} for webhook endpoint ${endpointId}`);
    await this.deliverer.deliverNow(deliveryId);
    return this.current(endpointId, deliveryId);
  }

  /** Sends a `webhook.test` event to this endpoint (enabled or not) and answers how it went. */
  async test(endpointId: string, auth: AuthContext): Promise<WebhookDeliveryDto> {
    await this.access.findOwned(endpointId, auth);
    const delivery = await this.deliveries.addTestDelivery({
      id: randomUUID(),
      endpointId,
      eventId: randomUUID(),
      at: new Date(),
    });
    await this.deliverer.deliverNow(delivery.id);
    return this.current(endpointId, delivery.id);
  }

  /** The delivery as it is now (gone only if its endpoint was deleted meanwhile). */
  private async current(endpointId: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    const row = await this.deliveries.findForEndpoint(endpointId, deliveryId);
    if (!row) throw new GatewayError('NOT_FOUND', `No webhook endpoint ${endpointId}`);
    return toDeliveryView(row);
  }
}
