import { Injectable } from '@nestjs/common';
import { Prisma, WebhookEndpoint } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';
import { RowPosition, rowsAfter } from './tenant.repository';

export type NewWebhookEndpoint = Pick<
  WebhookEndpoint,
  'id' | 'tenantId' | 'url' | 'eventTypes' | 'description' | 'secretCiphertext' | 'secretKeyId'
>;

/** What a PATCH or a rotation may change; `enabled: true` also ends a failing streak. */
export type WebhookEndpointChanges = Partial<
  Pick<
    WebhookEndpoint,
    | 'url'
    | 'eventTypes'
    | 'description'
    | 'enabled'
    | 'secretCiphertext'
    | 'secretKeyId'
    | 'previousSecretCiphertext'
    | 'previousSecretKeyId'
    | 'previousSecretExpiresAt'
  >
>;

/**
 * Webhook endpoints (where events are sent, and the sealed secrets that sign them). The ledger
 * reads this table to fan events out; every change here is recorded with `Ledger.recordChange`
 * in the caller's transaction.
 */
@Injectable()
export class WebhookEndpointRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(endpoint: NewWebhookEndpoint, tx: Tx): Promise<WebhookEndpoint> {
    return clientOf(this.prisma, tx).webhookEndpoint.create({ data: endpoint });
  }

  findById(id: string, tx?: Tx): Promise<WebhookEndpoint | null> {
    return clientOf(this.prisma, tx).webhookEndpoint.findUnique({ where: { id } });
  }

  /**
   * The endpoint's current secret, its row locked until `tx` ends (NO KEY: deliveries being fanned
   * out to it, which lock it KEY SHARE through their foreign key, are not held up): a rotation builds the previous
   * secret from it, so two rotations at once cannot both keep the same previous one (the secret
   * the first one handed out would never sign). Null when the endpoint is gone.
   */
  async lockSecret(id: string, tx: Tx): Promise<{ secretCiphertext: string; secretKeyId: string } | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<
      { secret_ciphertext: string; secret_key_id: string }[]
    >`
      SELECT secret_ciphertext, secret_key_id FROM webhook_endpoints WHERE id = ${id}::uuid FOR NO KEY UPDATE`;
    return rows.length === 0
      ? null
      : { secretCiphertext: rows[0].secret_ciphertext, secretKeyId: rows[0].secret_key_id };
  }

  /** Newest first; `tenantId` undefined lists every endpoint (admin), a string only that tenant's. */
  list(
    filter: { tenantId?: string },
    options: { after?: RowPosition; take: number },
  ): Promise<WebhookEndpoint[]> {
    const where: Prisma.WebhookEndpointWhereInput = {
      ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
      ...rowsAfter(options.after),
    };
    return this.prisma.client.webhookEndpoint.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }

  async update(id: string, changes: WebhookEndpointChanges, tx: Tx): Promise<WebhookEndpoint> {
    // Switching an endpoint back on starts its failure count afresh.
    const revived = changes.enabled === true ? { failingSince: null, disabledReason: null } : {};
    return clientOf(this.prisma, tx).webhookEndpoint.update({
      where: { id },
      data: { ...changes, ...revived },
    });
  }

  /** Its deliveries go with it (foreign key cascade). */
  delete(id: string, tx: Tx): Promise<WebhookEndpoint> {
    return clientOf(this.prisma, tx).webhookEndpoint.delete({ where: { id } });
  }

  /**
   * A delivery failed: starts the failing streak unless one is running. Returns when it started
   * (null when the endpoint is gone or already disabled, so nobody disables it twice).
   */
  async noteFailure(id: string, at: Date): Promise<Date | null> {
    const rows = await this.prisma.client.$queryRaw<{ failing_since: Date }[]>`
      UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ${at})
       WHERE id = ${id}::uuid AND enabled
      RETURNING failing_since`;
    return rows[0]?.failing_since ?? null;
  }

  /**
   * Switches an enabled endpoint off for the failing streak that started at `failingSince`; null
   * when it was already off (another replica won) or that streak is over (a success, or a PATCH
   * enabling it again, came in between: it must not be switched off for a streak that ended).
   */
  async disable(id: string, reason: string, failingSince: Date, tx: Tx): Promise<WebhookEndpoint | null> {
    const { count } = await clientOf(this.prisma, tx).webhookEndpoint.updateMany({
      where: { id, enabled: true, failingSince },
      data: { enabled: false, disabledReason: reason },
    });
    return count === 1 ? this.findById(id, tx) : null;
  }
}
