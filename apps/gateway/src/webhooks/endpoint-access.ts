import { Injectable } from '@nestjs/common';
import { GatewayError } from '@app/domain';
import { type Actor, type WebhookEndpoint, WebhookEndpointRepository } from '@app/persistence';
import { AuthContext, canAccessTenant } from '../access/auth-context';
import type { IdempotencySlot } from '../idempotency/idempotency.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who asks, for the audit row of a change. */
export interface WebhookRequestMeta {
  auth: AuthContext;
  requestId: string;
  /** The request's Idempotency-Key claim, when it sent one (answers stored with the write). */
  idempotency?: IdempotencySlot;
}

export function actorOf(meta: WebhookRequestMeta): Actor {
  return { keyId: meta.auth.keyId, requestId: meta.requestId };
}

/** The tenancy rule for endpoints: admins reach every endpoint, other keys their tenant's only. */
@Injectable()
export class EndpointAccess {
  constructor(private readonly endpoints: WebhookEndpointRepository) {}

  /** Another tenant's endpoint (or an admin's all-tenant one) is 404, never 403. */
  async findOwned(id: string, auth: AuthContext): Promise<WebhookEndpoint> {
    const endpoint = UUID.test(id) ? await this.endpoints.findById(id) : null;
    if (!endpoint || !canAccessTenant(auth, endpoint.tenantId)) {
      throw new GatewayError('NOT_FOUND', `No webhook endpoint ${id}`);
    }
    return endpoint;
  }
}
