import type { WebhookDelivery, WebhookEndpoint } from '@app/persistence';
import type { WebhookDeliveryDto, WebhookEndpointDto } from './webhook.dto';

/** An endpoint as the API shows it: never a secret. */
export function toEndpointView(row: WebhookEndpoint): WebhookEndpointDto {
  return {
    id: row.id,
    url: row.url,
    // Stored as an empty list (the ledger's fan-out reads that as every type).
    events: row.eventTypes.length ? row.eventTypes : null,
    description: row.description,
    enabled: row.enabled,
    tenantId: row.tenantId,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDeliveryView(row: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    statusCode: row.lastStatusCode,
    durationMs: row.lastDurationMs,
    error: row.lastError,
    responseBody: row.lastResponse,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}
