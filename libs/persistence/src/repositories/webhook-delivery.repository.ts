import { Injectable } from '@nestjs/common';
import { OutboxEvent, Prisma, WebhookDelivery } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { RowPosition } from './tenant.repository';

/** The event a delivery carries, as the outbox holds it (null for a `webhook.test`, which is in no feed). */
export type DeliveredEvent = Pick<
  OutboxEvent,
  'id' | 'type' | 'occurredAt' | 'tenantId' | 'subjectType' | 'subjectId' | 'data' | 'changes'
>;

/** A delivery this replica holds the lease of, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: Date;
  endpoint: {
    url: string;
    tenantId: string | null;
    secretCiphertext: string;
    secretKeyId: string;
    previousSecretCiphertext: string | null;
    previousSecretKeyId: string | null;
    previousSecretExpiresAt: Date | null;
  };
  event: DeliveredEvent | null;
}

export interface AttemptReport {
  at: Date;
  statusCode: number | null;
  durationMs: number;
}

export interface FailedAttemptReport extends AttemptReport {
  error: string;
  /** The answer's body, already cut to what may be stored. */
  responseBody: string | null;
  /** When to try again; null gives up (status `failed`). */
  nextAttemptAt: Date | null;
}

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempts: number;
  created_at: Date;
  url: string;
  endpoint_tenant_id: string | null;
  secret_ciphertext: string;
  secret_key_id: string;
  previous_secret_ciphertext: string | null;
  previous_secret_key_id: string | null;
  previous_secret_expires_at: Date | null;
  o_id: string | null;
  o_type: string | null;
  o_occurred_at: Date | null;
  o_tenant_id: string | null;
  o_subject_type: string | null;
  o_subject_id: string | null;
  o_data: unknown;
  o_changes: unknown;
}

// A delivery may go only when no earlier event of the same subject is still pending for the same
// endpoint: events of one sub-user reach an endpoint in the order they were recorded.
const IN_ORDER = `NOT EXISTS (
  SELECT 1 FROM webhook_deliveries e
   WHERE e.endpoint_id = d.endpoint_id AND e.subject_id = d.subject_id
     AND e.status = 'pending' AND e.event_seq < d.event_seq)`;

const LEASE_FREE = `(d.lease_expires_at IS NULL OR d.lease_expires_at < $1)`;

// The claimed rows (CTE `claimed`) with their endpoint and event, in one statement with the claim.
const WITH_ENDPOINT_AND_EVENT = `
  SELECT c.id, c.endpoint_id, c.event_id, c.event_type, c.attempts, c.created_at,
         w.url, w.tenant_id AS endpoint_tenant_id, w.secret_ciphertext, w.secret_key_id,
         w.previous_secret_ciphertext, w.previous_secret_key_id, w.previous_secret_expires_at,
         o.id AS o_id, o.type AS o_type, o.occurred_at AS o_occurred_at, o.tenant_id AS o_tenant_id,
         o.subject_type AS o_subject_type, o.subject_id AS o_subject_id, o.data AS o_data,
         o.changes AS o_changes
    FROM claimed c
    JOIN webhook_endpoints w ON w.id = c.endpoint_id
    LEFT JOIN outbox_events o ON o.id = c.event_id
   ORDER BY c.next_attempt_at, c.event_seq`;

function toClaimed(row: ClaimedRow): ClaimedDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    attempts: row.attempts,
    createdAt: row.created_at,
    endpoint: {
      url: row.url,
      tenantId: row.endpoint_tenant_id,
      secretCiphertext: row.secret_ciphertext,
      secretKeyId: row.secret_key_id,
      previousSecretCiphertext: row.previous_secret_ciphertext,
      previousSecretKeyId: row.previous_secret_key_id,
      previousSecretExpiresAt: row.previous_secret_expires_at,
    },
    event:
      row.o_id === null
        ? null
        : {
            id: row.o_id,
            type: row.o_type!,
            occurredAt: row.o_occurred_at!,
            tenantId: row.o_tenant_id,
            subjectType: row.o_subject_type!,
            subjectId: row.o_subject_id!,
            data: row.o_data as Prisma.JsonValue,
            changes: row.o_changes as Prisma.JsonValue,
          },
  };
}

/**
 * Delivery bookkeeping: the ledger inserts a delivery for every endpoint an event fans out to;
 * this repository claims them (a lease per row, taken with SKIP LOCKED so replicas never hold the
 * same one), records each attempt, and lists them. It inserts only the one delivery of a
 * `webhook.test`, which belongs to no recorded change.
 */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Leases up to `limit` due deliveries, oldest due first, so that no endpoint has more than
   * `perEndpoint` in flight at this replica counting the `busy` ones it already sends (one
   * endpoint's backlog cannot take every slot).
   */
  async claimDue(options: {
    owner: string;
    leaseMs: number;
    limit: number;
    perEndpoint: number;
    busy: ReadonlyMap<string, number>;
    now: Date;
  }): Promise<ClaimedDelivery[]> {
    if (options.limit <= 0) return [];
    const rows = await this.prisma.client.$queryRawUnsafe<ClaimedRow[]>(
      `WITH picked AS (
         SELECT due.id FROM webhook_endpoints w
         CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at, d.event_seq FROM webhook_deliveries d
            WHERE d.endpoint_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= $1
              AND ${LEASE_FREE} AND ${IN_ORDER}
            ORDER BY d.next_attempt_at, d.event_seq
            LIMIT GREATEST(0, $4 - COALESCE(
              (SELECT b.count FROM unnest($5::uuid[], $7::int[]) AS b(id, count) WHERE b.id = w.id), 0))
            FOR UPDATE OF d SKIP LOCKED) due
          WHERE w.enabled
          ORDER BY due.next_attempt_at, due.event_seq
          LIMIT $3),
       claimed AS (
         UPDATE webhook_deliveries d
            SET lease_owner = $2, lease_expires_at = $1::timestamptz + ($6::int * interval '1 millisecond')
           FROM picked WHERE d.id = picked.id
         RETURNING d.*)
       ${WITH_ENDPOINT_AND_EVENT}`,
      options.now,
      options.owner,
      options.limit,
      options.perEndpoint,
      [...options.busy.keys()],
      options.leaseMs,
      [...options.busy.values()],
    );
    return rows.map(toClaimed);
  }

  /**
   * Leases one delivery to send it at once (a test, a manual retry), enabled endpoint or not;
   * null when it is not pending, another replica holds it, or an earlier event must go first.
   * Waits for a poll claiming the row at that moment (no SKIP LOCKED): skipping it, the caller
   * then found no lease yet (the poll's not committed) and answered before any attempt.
   */
  async claimOne(id: string, owner: string, leaseMs: number, now: Date): Promise<ClaimedDelivery | null> {
    const rows = await this.prisma.client.$queryRawUnsafe<ClaimedRow[]>(
      `WITH picked AS (
         SELECT d.id FROM webhook_deliveries d
          WHERE d.id = $3::uuid AND d.status = 'pending' AND ${LEASE_FREE} AND ${IN_ORDER}
          FOR UPDATE),
       claimed AS (
         UPDATE webhook_deliveries d
            SET lease_owner = $2, lease_expires_at = $1::timestamptz + ($4::int * interval '1 millisecond')
           FROM picked WHERE d.id = picked.id
         RETURNING d.*)
       ${WITH_ENDPOINT_AND_EVENT}`,
      now,
      owner,
      id,
      leaseMs,
    );
    return rows.length ? toClaimed(rows[0]) : null;
  }

  /** False when the lease was lost meanwhile (another replica took the delivery over). */
  /**
   * A success, and the end of its endpoint's failing streak, in one statement. Whether a streak
   * was running is read here, not when the delivery was claimed: a delivery claimed before another
   * one's failure started the streak still ends it (else a later single failure would find the
   * streak "days old" and disable a healthy endpoint).
   */
  async recordSuccess(id: string, owner: string, report: AttemptReport): Promise<boolean> {
    const [row] = await this.prisma.sql.query<{ recorded: number }>(
      `WITH done AS (
         UPDATE webhook_deliveries
            SET status = 'succeeded', attempts = attempts + 1, last_status_code = $3::int,
                last_duration_ms = $4::int, last_error = NULL, last_response = NULL,
                delivered_at = $5::timestamptz, lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1::uuid AND lease_owner = $2
        RETURNING endpoint_id),
       healed AS (
         UPDATE webhook_endpoints w SET failing_since = NULL
           FROM done WHERE w.id = done.endpoint_id AND w.failing_since IS NOT NULL
         RETURNING 1)
       SELECT (SELECT count(*) FROM done)::int AS recorded, (SELECT count(*) FROM healed)::int AS healed`,
      [id, owner, report.statusCode, report.durationMs, report.at.toISOString()],
    );
    return row.recorded === 1;
  }

  async recordFailure(id: string, owner: string, report: FailedAttemptReport): Promise<boolean> {
    const { count } = await this.prisma.client.webhookDelivery.updateMany({
      where: { id, leaseOwner: owner },
      data: {
        status: report.nextAttemptAt ? 'pending' : 'failed',
        attempts: { increment: 1 },
        lastStatusCode: report.statusCode,
        lastDurationMs: report.durationMs,
        lastError: report.error,
        lastResponse: report.responseBody,
        ...(report.nextAttemptAt ? { nextAttemptAt: report.nextAttemptAt } : {}),
        leaseOwner: null,
        leaseExpiresAt: null,
      },
    });
    return count === 1;
  }

  /** Gives a lease back without counting an attempt (the send was cut short by a shutdown). */
  async release(id: string, owner: string): Promise<void> {
    await this.prisma.client.webhookDelivery.updateMany({
      where: { id, leaseOwner: owner },
      data: { leaseOwner: null, leaseExpiresAt: null },
    });
  }

  /** Whether some replica holds the delivery's lease at `now` (it is being sent). */
  async isLeased(id: string, now: Date): Promise<boolean> {
    const count = await this.prisma.client.webhookDelivery.count({
      where: { id, leaseExpiresAt: { gte: now } },
    });
    return count > 0;
  }

  findForEndpoint(endpointId: string, id: string): Promise<WebhookDelivery | null> {
    return this.prisma.client.webhookDelivery.findFirst({ where: { id, endpointId } });
  }

  /** Newest first (createdAt desc, id desc). */
  listForEndpoint(
    endpointId: string,
    filter: { status?: string },
    options: { after?: RowPosition; take: number },
  ): Promise<WebhookDelivery[]> {
    const after = options.after;
    return this.prisma.client.webhookDelivery.findMany({
      where: {
        endpointId,
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(after
          ? {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }

  /**
   * Sends a delivery again (whatever its state) as soon as its order allows; one being sent right
   * now is left to finish. Null when the endpoint has no such delivery.
   */
  async requeue(endpointId: string, id: string, at: Date): Promise<WebhookDelivery | null> {
    await this.prisma.client.webhookDelivery.updateMany({
      where: {
        id,
        endpointId,
        OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: at } }],
      },
      data: { status: 'pending', nextAttemptAt: at, leaseOwner: null, leaseExpiresAt: null },
    });
    return this.findForEndpoint(endpointId, id);
  }

  /** The one delivery of a `webhook.test` (no change is recorded, so the ledger fans nothing out). */
  addTestDelivery(delivery: {
    id: string;
    endpointId: string;
    eventId: string;
    at: Date;
  }): Promise<WebhookDelivery> {
    return this.prisma.client.webhookDelivery.create({
      data: {
        id: delivery.id,
        endpointId: delivery.endpointId,
        eventId: delivery.eventId,
        // Its subject is the endpoint itself: no sub-user's order is involved.
        eventSeq: 0,
        eventType: 'webhook.test',
        subjectId: delivery.endpointId,
        status: 'pending',
        nextAttemptAt: delivery.at,
        createdAt: delivery.at,
      },
    });
  }

  /** Deliveries still owed to enabled endpoints, and how long the oldest has waited. */
  async queueStats(now: Date): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const rows = await this.prisma.client.$queryRaw<{ depth: number; oldest: Date | null }[]>`
      SELECT count(*)::int AS depth, min(d.created_at) AS oldest
        FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
       WHERE d.status = 'pending'`;
    const oldest = rows[0]?.oldest;
    return {
      depth: rows[0]?.depth ?? 0,
      oldestAgeSeconds: oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0,
    };
  }
}
