import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import {
  IdempotencyRepository,
  Ledger,
  TenantRepository,
  Transactions,
  WebhookEndpointRepository,
} from '@app/persistence';
import { AuthContext } from '../../../access/auth-context';
import { GATEWAY_CONFIG } from '../../../config/config.module';
import type { GatewayConfig } from '../../../config/gateway-config';
import { SecretBox } from '../../../crypto/secret-box';
import { answerWithin, answered } from '../../../idempotency/idempotency.service';
import { type WebhookRequestMeta, actorOf } from '../../endpoint-access';
import { newSigningSecret } from '../../signing';
import { checkWebhookUrl } from '../../webhook-target';
import type { CreateWebhookEndpointDto, WebhookEndpointWithSecretDto } from '../../webhook.dto';
import { toEndpointView } from '../../webhook.view';

/** Register an endpoint, as POST /v1/webhook-endpoints asks. */
export interface RegisterEndpointCommand {
  dto: CreateWebhookEndpointDto;
  meta: WebhookRequestMeta;
}

/**
 * Registers a webhook endpoint with a new signing secret, sealed at rest and shown once. From the
 * commit on, the ledger fans every matching event out to it.
 */
@Injectable()
export class RegisterEndpoint {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly tenants: TenantRepository,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly secrets: SecretBox,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly idempotencyRecords: IdempotencyRepository,
  ) {}

  async execute({ dto, meta }: RegisterEndpointCommand): Promise<WebhookEndpointWithSecretDto> {
    const tenantId = await this.tenantFor(dto.tenantId, meta.auth);
    const url = checkWebhookUrl(dto.url, this.config.webhooks.hostAllowlist);
    const secret = newSigningSecret();
    const sealed = this.secrets.seal(secret);
    const row = await this.transactions.run(async (tx) => {
      const created = await this.endpoints.create(
        {
          id: randomUUID(),
          tenantId,
          url,
          eventTypes: [...new Set(dto.events ?? [])],
          description: dto.description ?? null,
          secretCiphertext: sealed.ciphertext,
          secretKeyId: sealed.keyId,
        },
        tx,
      );
      await this.ledger.recordChange(
        {
          action: 'webhook-endpoint.created',
          targetType: 'webhook-endpoint',
          targetId: created.id,
          tenantId: created.tenantId,
          actor: actorOf(meta),
          changes: { after: toEndpointView(created) },
        },
        tx,
      );
      // A retry after a crash here replays this endpoint instead of registering a second one
      // (every event would then be delivered twice).
      await answerWithin(
        this.idempotencyRecords,
        meta.idempotency,
        { ...toEndpointView(created), secret },
        tx,
      );
      return created;
    });
    answered(meta.idempotency);
    return { ...toEndpointView(row), secret };
  }

  /** A tenant key's endpoint serves its tenant; an admin's every tenant, or the one it names. */
  private async tenantFor(requested: string | undefined, auth: AuthContext): Promise<string | null> {
    if (!auth.isAdmin) {
      if (requested !== undefined && requested !== auth.tenantId) {
        throw new GatewayError('FORBIDDEN', 'Only admin keys may register endpoints for another tenant');
      }
      return auth.tenantId;
    }
    if (requested === undefined) return null;
    if (!(await this.tenants.findById(requested))) {
      throw new GatewayError('VALIDATION_FAILED', `tenantId: no tenant ${requested}`, {
        fieldErrors: [{ field: 'tenantId', message: 'no such tenant' }],
      });
    }
    return requested;
  }
}
