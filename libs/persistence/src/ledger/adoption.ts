import { randomUUID } from 'node:crypto';
import { storedSnapshot } from '@app/domain';
import type { SubUserMapping } from '../generated/prisma/client';
import { changeCtes } from './change-log';
import type { AdoptCommand } from './ledger';
import { type LedgerContext, subUserEntry } from './ledger-context';
import { jsonbForm } from './mapping-rows';
import { SqlParams } from '../sql';
import { toSnapshot } from './snapshot';

/**
 * Adopts provider sub-users in one statement: the records (skipping any whose (account, provider
 * id) another writer stored meanwhile), and only for those made, their audit rows, events and the
 * events' deliveries. The rows it makes are known beforehand (every column set or defaulted here),
 * so nothing is read back.
 */
export async function adopt(ctx: LedgerContext, command: AdoptCommand): Promise<SubUserMapping[]> {
  if (command.subUsers.length === 0) return [];
  const at = new Date();
  const made: SubUserMapping[] = [];
  const rows = command.subUsers.map((subUser) => {
    const snapshot = toSnapshot(subUser);
    const used = subUser.traffic.usedBytes;
    // The first reading is the baseline (ledger/usage.ts).
    const usedBytes = used !== null && Number.isFinite(used) && used >= 0 ? Math.round(used) : null;
    const row = {
      id: randomUUID(),
      tenantId: command.tenantId,
      providerAccountId: command.providerAccountId,
      provider: command.provider,
      providerSubUserId: snapshot.providerSubUserId,
      lifecycle: 'active',
      status: subUser.status,
      name: snapshot.name,
      gatewayNotes: null,
      metadata: {},
      snapshot: jsonbForm(snapshot) as SubUserMapping['snapshot'],
      intent: null,
      intentExpiresAt: null,
      createKey: null,
      version: 1,
      lifetimeUsedBytes: BigInt(usedBytes ?? 0),
      lastUsedBytes: usedBytes === null ? null : BigInt(usedBytes),
      usagePeriod: subUser.traffic.periodStart,
      thresholdsCrossed: [],
      suspension: null,
      changeClaimId: null,
      changeClaimUntil: null,
      changeClaimLimitBytes: null,
      changeClaimTenantId: null,
      createdAt: at,
      updatedAt: at,
      syncedAt: at,
    } satisfies SubUserMapping;
    made.push(row);
    return {
      id: row.id,
      provider_sub_user_id: row.providerSubUserId,
      status: row.status,
      name: row.name,
      snapshot,
      used_bytes: usedBytes,
      usage_period: row.usagePeriod,
    };
  });
  const entries = made.map((row) =>
    subUserEntry(row, {
      action: 'sub-user.adopted',
      actor: command.actor,
      changes: {
        after: {
          providerSubUserId: row.providerSubUserId,
          name: row.name,
          status: row.status,
          isDefault: storedSnapshot(row)?.isDefault ?? false,
        },
      },
      eventType: 'sub-user.adopted',
    }),
  );
  const params = new SqlParams();
  const stamp = `${params.add(at.toISOString())}::timestamptz`;
  const insert = `ins AS (
      INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, provider_sub_user_id,
             lifecycle, status, name, metadata, snapshot, version, created_at, updated_at, synced_at,
             lifetime_used_bytes, last_used_bytes, usage_period)
      SELECT r.id, ${params.add(command.tenantId)}, ${params.add(command.providerAccountId)}::uuid,
             ${params.add(command.provider)}, r.provider_sub_user_id, 'active', r.status, r.name, '{}'::jsonb,
             r.snapshot, 1, ${stamp}, ${stamp}, ${stamp}, COALESCE(r.used_bytes, 0), r.used_bytes, r.usage_period
        FROM jsonb_to_recordset(${params.add(JSON.stringify(rows))}::jsonb) AS r(id uuid, provider_sub_user_id text,
             status text, name text, snapshot jsonb, used_bytes bigint, usage_period text)
      ON CONFLICT (provider_account_id, provider_sub_user_id) DO NOTHING
      RETURNING id)`;
  const inserted = await ctx.sql.query<{ id: string }>(
    `WITH ${insert}, ${changeCtes(entries, at, params, 'true', { onlyTargetsIn: 'ins' })}
     SELECT id FROM ins`,
    params.values,
  );
  ctx.forget();
  const ids = new Set(inserted.map((row) => row.id));
  return made.filter((row) => ids.has(row.id));
}
