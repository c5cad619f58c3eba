import { Injectable } from '@nestjs/common';
import { IdempotencyRecord } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';

/** What one Idempotency-Key value is unique within: the caller's tenant and key, and the route. */
export interface IdempotencyScope {
  tenantId: string;
  apiKeyId: string;
  method: string;
  path: string;
  key: string;
}

/**
 * A record stored before records were per API key (api_key_id '', migration
 * idempotency_per_api_key) and not yet expired: it still answers the tenant's retries of that
 * request, as it did, so a retry sent across the upgrade replays instead of acting twice. Such
 * records are gone 24 hours after the upgrade; this and its uses can go in a later release.
 */
const LEGACY_RECORD = `SELECT 1 FROM idempotency_records l
  WHERE l.tenant_id = $2 AND l.api_key_id = '' AND l.method = $4 AND l.path = $5 AND l.key = $6
    AND l.expires_at > now()`;

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts an `in_progress` record; false when one already exists for the scope. The unique
   * constraint (not a read first) decides the race, so only one of concurrent callers wins.
   */
  async tryStart(
    record: IdempotencyScope & { id: string; requestHash: string; expiresAt: Date; leaseExpiresAt: Date },
  ): Promise<boolean> {
    // Plain SQL: every idempotent request pays this round trip (see ../sql.ts).
    const rows = await this.prisma.sql.query(
      `INSERT INTO idempotency_records (id, tenant_id, api_key_id, method, path, key, request_hash, state,
              expires_at, lease_expires_at)
       SELECT $1::uuid, $2, $3, $4, $5, $6, $7, 'in_progress', $8::timestamptz, $9::timestamptz
        WHERE NOT EXISTS (${LEGACY_RECORD})
       ON CONFLICT (tenant_id, api_key_id, method, path, key) DO NOTHING
       RETURNING 1`,
      [
        record.id,
        record.tenantId,
        record.apiKeyId,
        record.method,
        record.path,
        record.key,
        record.requestHash,
        record.expiresAt.toISOString(),
        record.leaseExpiresAt.toISOString(),
      ],
    );
    return rows.length === 1;
  }

  /** The key's own record, else a record from before records were per key that is still kept. */
  find(scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
    const { apiKeyId, ...route } = scope;
    return this.prisma.client.idempotencyRecord.findFirst({
      where: { ...route, OR: [{ apiKeyId }, { apiKeyId: '', expiresAt: { gt: new Date() } }] },
      // The key's own first ('' sorts before any id).
      orderBy: { apiKeyId: 'desc' },
    });
  }

  /**
   * Stores the answer of a running claim; with `tx`, as part of that transaction's writes. False
   * when the claim is no longer this request's (taken over after its lease ran out).
   */
  async complete(
    id: string,
    response: { status: number; body: string | null; sealed: boolean },
    tx?: Tx,
  ): Promise<boolean> {
    if (tx) {
      const { count } = await clientOf(this.prisma, tx).idempotencyRecord.updateMany({
        where: { id, state: 'in_progress' },
        data: {
          state: 'completed',
          responseStatus: response.status,
          responseBody: response.body,
          responseSealed: response.sealed,
        },
      });
      return count === 1;
    }
    const rows = await this.prisma.sql.query(
      `UPDATE idempotency_records
          SET state = 'completed', response_status = $2::int, response_body = $3::text, response_sealed = $4::boolean
        WHERE id = $1::uuid AND state = 'in_progress'
       RETURNING 1`,
      [id, response.status, response.body, response.sealed],
    );
    return rows.length === 1;
  }

  /** Extends the lease of a request still running (false when the record is gone or done). */
  async renew(id: string, leaseExpiresAt: Date): Promise<boolean> {
    const { count } = await this.prisma.client.idempotencyRecord.updateMany({
      where: { id, state: 'in_progress' },
      data: { leaseExpiresAt },
    });
    return count === 1;
  }

  /**
   * Replaces a record that is over (expired, or in progress with its lease run out) with a new
   * claim, in one statement: of two callers that both saw it stale, only one gets the key.
   */
  async takeOver(
    staleId: string,
    now: Date,
    claim: { id: string; apiKeyId: string; requestHash: string; expiresAt: Date; leaseExpiresAt: Date },
  ): Promise<boolean> {
    const count = await this.prisma.client.$executeRaw`
      UPDATE idempotency_records
         SET id = ${claim.id}::uuid, api_key_id = ${claim.apiKeyId}, request_hash = ${claim.requestHash},
             state = 'in_progress',
             response_status = NULL, response_body = NULL, response_sealed = false,
             created_at = ${now}, expires_at = ${claim.expiresAt}, lease_expires_at = ${claim.leaseExpiresAt}
       WHERE id = ${staleId}::uuid
         AND (expires_at <= ${now}
              OR (state = 'in_progress' AND (lease_expires_at IS NULL OR lease_expires_at < ${now})))`;
    return count === 1;
  }

  /** Removes exactly that record (by id), so a retry runs again; a newer record is left alone. */
  async remove(id: string): Promise<void> {
    await this.prisma.sql.query('DELETE FROM idempotency_records WHERE id = $1::uuid', [id]);
  }

  async purgeExpired(now: Date): Promise<number> {
    const { count } = await this.prisma.client.idempotencyRecord.deleteMany({
      where: { expiresAt: { lt: now } },
    });
    return count;
  }
}
