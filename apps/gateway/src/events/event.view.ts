import type { DeliveredEvent } from '@app/persistence';

/** An event as the feed lists it and a webhook carries it. */
export interface EventView {
  id: string;
  type: string;
  occurredAt: string;
  tenantId: string | null;
  subject: { type: string; id: string };
  /** The subject as the API shows it after the change (secrets removed). */
  data: unknown;
  /** For updates and drift: the fields that changed, before and after; otherwise null. */
  changes: unknown;
}

export function toEventView(event: DeliveredEvent): EventView {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    tenantId: event.tenantId,
    subject: { type: event.subjectType, id: event.subjectId },
    data: event.data,
    changes: event.changes ?? null,
  };
}

/**
 * The `webhook.test` event of a test delivery. It records no change, so it is in no feed: it is
 * rebuilt from the delivery (the same id and time for every attempt).
 */
export function testEventView(delivery: {
  eventId: string;
  createdAt: Date;
  endpointId: string;
  endpointTenantId: string | null;
}): EventView {
  return {
    id: delivery.eventId,
    type: 'webhook.test',
    occurredAt: delivery.createdAt.toISOString(),
    tenantId: delivery.endpointTenantId,
    subject: { type: 'webhook-endpoint', id: delivery.endpointId },
    data: { message: 'A test event from the sub-user gateway: this endpoint receives its events.' },
    changes: null,
  };
}
