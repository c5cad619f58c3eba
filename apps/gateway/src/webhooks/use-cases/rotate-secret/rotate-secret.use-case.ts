import { Injectable } from '@nestjs/common';
import { GatewayError } from '@app/domain';
import { IdempotencyRepository, Ledger, Transactions, WebhookEndpointRepository } from '@app/persistence';
import { SecretBox } from '../../../crypto/secret-box';
import { answerWithin, answered } from '../../../idempotency/idempotency.service';
import { EndpointAccess, type WebhookRequestMeta, actorOf } from '../../endpoint-access';
import { newSigningSecret } from '../../signing';
import type { WebhookEndpointWithSecretDto } from '../../webhook.dto';
import { toEndpointView } from '../../webhook.view';

/** How long the previous secret keeps signing beside the new one: receivers switch over meanwhile. */
export const PREVIOUS_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Rotate an endpoint's secret, as POST /v1/webhook-endpoints/:id/rotate-secret asks. */
export interface RotateSecretCommand {
  id: string;
  meta: WebhookRequestMeta;
}

/**
 * Gives an endpoint a new signing secret (shown once). The previous one keeps signing beside it
 * for 24 hours; a secret older than that is dropped.
 */
@Injectable()
export class RotateSecret {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly access: EndpointAccess,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
    private readonly secrets: SecretBox,
    private readonly idempotencyRecords: IdempotencyRepository,
  ) {}

  async execute({ id, meta }: RotateSecretCommand): Promise<WebhookEndpointWithSecretDto> {
    await this.access.findOwned(id, meta.auth);
    const secret = newSigningSecret();
    const sealed = this.secrets.seal(secret);
    const previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_OVERLAP_MS);
    const after = await this.transactions.run(async (tx) => {
      // The secret as it is now (not as read above): a concurrent rotation's secret becomes the previous one.
      const current = await this.endpoints.lockSecret(id, tx);
      if (!current) throw new GatewayError('NOT_FOUND', `No webhook endpoint ${id}`);
      const saved = await this.endpoints.update(
        id,
        {
          secretCiphertext: sealed.ciphertext,
          secretKeyId: sealed.keyId,
          previousSecretCiphertext: current.secretCiphertext,
          previousSecretKeyId: current.secretKeyId,
          previousSecretExpiresAt,
        },
        tx,
      );
      await this.ledger.recordChange(
        {
          action: 'webhook-endpoint.secret-rotated',
          targetType: 'webhook-endpoint',
          targetId: id,
          tenantId: saved.tenantId,
          actor: actorOf(meta),
          // No field named like a secret: the audit would redact the time.
          changes: {
            after: {
              rotatedAt: new Date().toISOString(),
              overlapUntil: previousSecretExpiresAt.toISOString(),
            },
          },
        },
        tx,
      );
      // A retry after a crash here replays this secret instead of rotating again.
      await answerWithin(this.idempotencyRecords, meta.idempotency, { ...toEndpointView(saved), secret }, tx);
      return saved;
    });
    answered(meta.idempotency);
    return { ...toEndpointView(after), secret };
  }
}
