import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ProviderName, ProviderSubUser, isGatewayError } from '@app/domain';
import { ProviderDriver, ProviderRegistry } from '@app/providers';
import { Prisma, ProviderAccount, SubUserMapping } from '@app/persistence/generated/prisma/client';
import {
  AdoptedMapping,
  SubUserMappingRepository,
  SyncAuditEvent,
} from '@app/persistence/repositories/sub-user-mapping.repository';
import { DEFAULT_TENANT_ID } from '../access/api-keys.service';
import { redactSecrets } from '../audit/redact';
import { JobContext, JobHandler, JobOutcome } from '../jobs/job-handler';
import { MetricsService } from '../observability/metrics.service';
import { JobRunner } from '../jobs/job-runner.service';
import { ProviderAccountsService } from '../provider-accounts/provider-accounts.service';
import { sameSnapshot, snapshotOf, toSnapshot, toSubUserDto } from '../sub-users/sub-user.view';
import { OpenIntent, driftOf, planIntents } from './sync-plan';

export const SYNC_JOB = 'sync';
/** Rows written per transaction: short transactions keep the embedded database responsive. */
const BATCH = 250;
/** Adoptions are one INSERT per batch: larger batches, still short transactions. */
const ADOPT_BATCH = 1_000;
/** Up to this many missing sub-users are confirmed one by one (a GET each); more → a second listing. */
const CONFIRM_BY_GET_MAX = 25;
const CONFIRM_CONCURRENCY = 4;

export type SyncReason = 'api' | 'schedule' | 'startup' | 'follow-up';

export interface SyncJobInput {
  /** null = every provider account. */
  providerAccountId: string | null;
  /** 'sync:all' or 'sync:<accountId>': one queued or running sync per key. */
  dedupeKey: string;
  reason: SyncReason;
  requestId?: string | null;
}

export interface AccountSyncResult {
  accountId: string;
  name: string;
  provider: string;
  ok: boolean;
  listed: number;
  adopted: number;
  matchedIntents: number;
  updated: number;
  drift: number;
  vanished: number;
  deletesConfirmed: number;
  expiredIntents: number;
  ambiguous: number;
  durationMs: number;
  /** Where the time went: the provider listing, reading mappings, writing changes. */
  phasesMs: { list: number; read: number; update: number; adopt: number; missing: number };
  error?: { code: string; message: string };
}

const COUNT_FIELDS = [
  'listed',
  'adopted',
  'matchedIntents',
  'updated',
  'drift',
  'vanished',
  'deletesConfirmed',
  'expiredIntents',
  'ambiguous',
] as const;

type AuditRow = Prisma.AuditEventCreateManyInput;

interface Actor {
  keyId: string | null;
  requestId: string | null;
}

export function syncDedupeKey(providerAccountId: string | null | undefined): string {
  return providerAccountId ? `sync:${providerAccountId}` : 'sync:all';
}

function auditRow(
  actor: Actor,
  event: {
    action: string;
    targetId: string;
    tenantId: string | null;
    changes: Record<string, unknown> | null;
  },
): AuditRow {
  return {
    id: randomUUID(),
    action: event.action,
    targetType: 'sub-user',
    targetId: event.targetId,
    tenantId: event.tenantId,
    actorKeyId: actor.keyId,
    changes: event.changes === null ? Prisma.DbNull : (redactSecrets(event.changes) as Prisma.InputJsonValue),
    outcome: 'ok',
    errorCode: null,
    providerRequestId: null,
    requestId: actor.requestId,
  };
}

function chunks<T>(items: T[], size = BATCH): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isGatewayError(error)) return { code: error.code, message: error.detail };
  return { code: 'INTERNAL', message: 'unexpected error during the sync' };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}

/**
 * The sync: makes each provider account's mappings match a complete listing of its sub-users.
 * Known ones get a new snapshot when they changed (drift audited, usage silent); unknown ones
 * complete open create intents or are adopted into the default tenant; mapped ones missing from
 * the listing are confirmed gone and marked deleted. A failed listing aborts that account only.
 * Provider calls happen outside transactions; every write is conditional, so a sync racing with
 * user calls (or another sync) never overwrites their newer rows.
 */
@Injectable()
export class SyncJob implements JobHandler<SyncJobInput>, OnModuleInit {
  readonly type = SYNC_JOB;
  private readonly logger = new Logger('SyncJob');

  constructor(
    private readonly runner: JobRunner,
    private readonly mappings: SubUserMappingRepository,
    private readonly accounts: ProviderAccountsService,
    private readonly registry: ProviderRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.runner.register(this as JobHandler<never>);
  }

  async run(context: JobContext<SyncJobInput>): Promise<JobOutcome> {
    const actor: Actor = { keyId: context.createdByKeyId, requestId: context.input.requestId ?? null };
    const all = await this.accounts.allAccounts();
    const targets = context.input.providerAccountId
      ? all.filter((account) => account.id === context.input.providerAccountId)
      : all;
    const results: AccountSyncResult[] = [];
    const counts = (): Record<string, number> => {
      const total: Record<string, number> = {
        accounts: targets.length,
        accountsSynced: results.filter((result) => result.ok).length,
        accountsFailed: results.filter((result) => !result.ok).length,
      };
      for (const field of COUNT_FIELDS)
        total[field] = results.reduce((sum, result) => sum + result[field], 0);
      return total;
    };
    if (context.input.providerAccountId && targets.length === 0) {
      return {
        counts: counts(),
        results: [],
        error: `No provider account ${context.input.providerAccountId}`,
      };
    }
    for (const account of targets) {
      throwIfAborted(context.signal);
      const result = await this.syncAccount(account, actor, context);
      results.push(result);
      this.observe(result);
      context.progress(counts());
      if (!result.ok) {
        this.logger.warn(`Sync of ${account.name} failed: ${result.error?.code} ${result.error?.message}`);
      }
    }
    const failed = results.filter((result) => !result.ok);
    return {
      counts: counts(),
      results: results as unknown as Prisma.InputJsonValue,
      ...(failed.length > 0
        ? {
            error: `${failed.length} of ${results.length} account(s) not synced: ${failed
              .map((result) => `${result.name}: ${result.error?.code}`)
              .join(', ')}`,
          }
        : {}),
    };
  }

  private observe(result: AccountSyncResult): void {
    this.metrics.syncRuns.inc({ provider: result.provider, outcome: result.ok ? 'ok' : 'error' });
    for (const kind of COUNT_FIELDS) {
      if (kind !== 'listed' && result[kind] > 0)
        this.metrics.syncChanges.inc({ provider: result.provider, kind }, result[kind]);
    }
  }

  /** One account; never throws for provider failures (they become the account's error). */
  async syncAccount(
    account: ProviderAccount,
    actor: Actor,
    context: Pick<JobContext, 'signal' | 'progress'>,
  ): Promise<AccountSyncResult> {
    const started = Date.now();
    const result: AccountSyncResult = {
      accountId: account.id,
      name: account.name,
      provider: account.provider,
      ok: false,
      listed: 0,
      adopted: 0,
      matchedIntents: 0,
      updated: 0,
      drift: 0,
      vanished: 0,
      deletesConfirmed: 0,
      expiredIntents: 0,
      ambiguous: 0,
      durationMs: 0,
      phasesMs: { list: 0, read: 0, update: 0, adopt: 0, missing: 0 },
    };
    let mark = Date.now();
    const phase = (name: keyof AccountSyncResult['phasesMs']) => {
      const now = Date.now();
      result.phasesMs[name] += now - mark;
      mark = now;
    };
    try {
      const { driver } = await this.accounts.resolve(account.id);
      // Read before listing: only mappings that existed before the listing began can be missing from it.
      const before = await this.mappings.findActiveByAccount(account.id);
      phase('read');
      const listingStartedAt = new Date();
      let listed: ProviderSubUser[];
      try {
        listed = await driver.list({ priority: 'background' });
      } catch (error) {
        result.error = errorOf(error);
        return result;
      }
      throwIfAborted(context.signal);
      phase('list');
      result.listed = listed.length;

      // Read again after listing: intents and mappings written meanwhile are matched, not adopted twice.
      const live = await this.mappings.findLiveByAccount(account.id);
      const known = new Map<string, SubUserMapping>();
      for (const mapping of live)
        if (mapping.providerSubUserId) known.set(mapping.providerSubUserId, mapping);
      const unknown: ProviderSubUser[] = [];
      const changed: { mapping: SubUserMapping; subUser: ProviderSubUser }[] = [];
      const unchanged: string[] = [];
      for (const subUser of listed) {
        const mapping = known.get(subUser.providerSubUserId);
        if (!mapping) unknown.push(subUser);
        else if (mapping.lifecycle !== 'active') continue;
        else if (sameSnapshot(mapping.snapshot, toSnapshot(subUser)) && mapping.status === subUser.status)
          unchanged.push(mapping.id);
        else changed.push({ mapping, subUser });
      }
      phase('read');

      await this.applyChanges(driver, changed, actor, result, context.signal);
      for (const ids of chunks(unchanged, 5_000)) await this.mappings.touchSynced(ids, listingStartedAt);
      phase('update');
      const completedIntents = await this.resolveUnknown(
        account,
        unknown,
        live,
        actor,
        result,
        context.signal,
      );
      phase('adopt');
      await this.resolveMissing(driver, before, listed, actor, result);
      await this.expireIntents(live, completedIntents, listingStartedAt, actor, result);
      phase('missing');
      result.ok = true;
      return result;
    } catch (error) {
      if (context.signal.aborted) throw error;
      this.logger.error(`Sync of ${account.name} stopped: ${(error as Error).message}`);
      result.error = errorOf(error);
      return result;
    } finally {
      result.durationMs = Date.now() - started;
    }
  }

  /** Known sub-users whose provider data changed: new snapshot; drift audited, usage silent. */
  private async applyChanges(
    driver: ProviderDriver,
    changed: { mapping: SubUserMapping; subUser: ProviderSubUser }[],
    actor: Actor,
    result: AccountSyncResult,
    signal: AbortSignal,
  ): Promise<void> {
    const notesNative = driver.capabilities.notes === 'native';
    const now = new Date();
    for (const batch of chunks(changed)) {
      throwIfAborted(signal);
      await this.mappings.transaction(async (db) => {
        const audits: AuditRow[] = [];
        for (const { mapping, subUser } of batch) {
          const { count } = await db.subUserMapping.updateMany({
            // Conditional on the version read: a user's newer write wins over this listing.
            where: { id: mapping.id, lifecycle: 'active', version: mapping.version },
            data: {
              snapshot: toSnapshot(subUser),
              status: subUser.status,
              name: subUser.name,
              syncedAt: now,
              version: { increment: 1 },
            },
          });
          if (count === 0) continue;
          result.updated += 1;
          const drift = driftOf(snapshotOf(mapping), subUser, notesNative);
          if (!drift) continue;
          result.drift += 1;
          audits.push(
            auditRow(actor, {
              action: 'sub-user.drift',
              targetId: mapping.id,
              tenantId: mapping.tenantId,
              changes: { before: drift.before, after: drift.after },
            }),
          );
        }
        if (audits.length > 0) await db.auditEvent.createMany({ data: audits });
      });
    }
  }

  /** Unknown sub-users: complete the open create intents they fingerprint-match, adopt the rest. */
  private async resolveUnknown(
    account: ProviderAccount,
    unknown: ProviderSubUser[],
    live: SubUserMapping[],
    actor: Actor,
    result: AccountSyncResult,
    signal: AbortSignal,
  ): Promise<Set<string>> {
    const completed = new Set<string>();
    if (unknown.length === 0) return completed;
    const intentRows = live.filter((mapping) => mapping.lifecycle === 'intent');
    const intents: OpenIntent[] = intentRows.map((row) => ({
      id: row.id,
      name: row.name,
      startedAt: intentStart(row),
      expiresAt: row.intentExpiresAt ?? intentStart(row),
    }));
    const plan = planIntents(unknown, intents);
    const capabilities = this.registry.capabilities(account.provider as ProviderName);
    const adoptions = [...plan.adoptions];
    const gatewayIdOf = new Map<string, string>();

    for (const { intentId, subUser } of plan.completions) {
      throwIfAborted(signal);
      const row = await this.completeIntent(intentId, subUser, actor, capabilities).catch(
        (error: unknown) => {
          // The create call finished first and stored this provider id on its own row.
          if (isUniqueViolation(error)) return 'known' as const;
          throw error;
        },
      );
      if (row === 'known') continue;
      if (row === null) {
        // The intent was closed meanwhile (the create answered, or it expired): adopt unless stored.
        if (!(await this.mappings.findByProviderId(account.id, subUser.providerSubUserId)))
          adoptions.push(subUser);
        continue;
      }
      completed.add(intentId);
      gatewayIdOf.set(subUser.providerSubUserId, intentId);
      result.matchedIntents += 1;
    }

    const now = new Date();
    for (const batch of chunks(adoptions, ADOPT_BATCH)) {
      throwIfAborted(signal);
      const rows: AdoptedMapping[] = batch.map((subUser) => ({
        id: randomUUID(),
        tenant_id: DEFAULT_TENANT_ID,
        provider_account_id: account.id,
        provider: account.provider,
        provider_sub_user_id: subUser.providerSubUserId,
        status: subUser.status,
        name: subUser.name,
        snapshot: toSnapshot(subUser),
      }));
      await this.mappings.transaction(async (db) => {
        const inserted = new Set(await this.mappings.insertAdopted(rows, now, db));
        const audits: SyncAuditEvent[] = rows
          .filter((row) => inserted.has(row.id))
          .map((row) => {
            gatewayIdOf.set(row.provider_sub_user_id, row.id);
            return {
              id: randomUUID(),
              actor_key_id: actor.keyId,
              tenant_id: DEFAULT_TENANT_ID,
              action: 'sub-user.adopted',
              target_type: 'sub-user',
              target_id: row.id,
              changes: redactSecrets({
                after: {
                  providerSubUserId: row.provider_sub_user_id,
                  name: row.name,
                  status: row.status,
                  isDefault: (row.snapshot as { isDefault?: boolean }).isDefault ?? false,
                },
              }),
              request_id: actor.requestId,
            };
          });
        await this.mappings.insertAuditEvents(audits, now, db);
        result.adopted += inserted.size;
      });
    }

    if (plan.ambiguous.length > 0) {
      const audits = plan.ambiguous.map((group) =>
        auditRow(actor, {
          action: 'sub-user.intent-ambiguous',
          targetId: group.intentIds[0],
          tenantId: intentRows.find((row) => row.id === group.intentIds[0])?.tenantId ?? null,
          changes: {
            after: {
              reason:
                'several provider sub-users or create intents share a fingerprint (name and time window); paired oldest with oldest, the rest adopted into the default tenant: decide which to keep',
              intentIds: group.intentIds,
              candidates: group.providerSubUserIds.map((providerSubUserId) => ({
                providerSubUserId,
                gatewayId: gatewayIdOf.get(providerSubUserId) ?? null,
              })),
            },
          },
        }),
      );
      await this.mappings.client.auditEvent.createMany({ data: audits });
      result.ambiguous += plan.ambiguous.length;
    }
    return completed;
  }

  private completeIntent(
    intentId: string,
    subUser: ProviderSubUser,
    actor: Actor,
    capabilities: ReturnType<ProviderRegistry['capabilities']>,
  ): Promise<SubUserMapping | null> {
    return this.mappings.transaction(async (db) => {
      const row = await this.mappings.updateIf(
        intentId,
        { lifecycles: ['intent'] },
        {
          providerSubUserId: subUser.providerSubUserId,
          lifecycle: 'active',
          status: subUser.status,
          name: subUser.name,
          snapshot: toSnapshot(subUser),
          syncedAt: new Date(),
          // The intent stays as the record of the create request (its Idempotency-Key lets a
          // retry find this row instead of creating a second sub-user).
          intentExpiresAt: null,
        },
        db,
      );
      if (!row) return null;
      await db.auditEvent.create({
        data: auditRow(actor, {
          action: 'sub-user.created',
          targetId: row.id,
          tenantId: row.tenantId,
          changes: {
            after: {
              ...toSubUserDto(row, capabilities),
              completedBy: 'sync',
              note: 'the create call’s answer was lost; the sync found the sub-user at the provider',
            },
          },
        }),
      });
      return row;
    });
  }

  /**
   * Mapped sub-users missing from a complete listing: confirmed gone (a GET each, or a second
   * listing when many: a page read while others were deleted can skip a sub-user), then marked
   * deleted. A `deleting` one that is gone is a provider delete finished.
   */
  private async resolveMissing(
    driver: ProviderDriver,
    before: SubUserMapping[],
    listed: ProviderSubUser[],
    actor: Actor,
    result: AccountSyncResult,
  ): Promise<void> {
    const listedIds = new Set(listed.map((subUser) => subUser.providerSubUserId));
    const missing = before.filter(
      (mapping) => mapping.providerSubUserId && !listedIds.has(mapping.providerSubUserId),
    );
    if (missing.length === 0) return;
    const gone = await confirmGone(driver, missing);
    for (const batch of chunks(gone)) {
      await this.mappings.transaction(async (db) => {
        const audits: AuditRow[] = [];
        for (const mapping of batch) {
          const snapshot = snapshotOf(mapping);
          const { count } = await db.subUserMapping.updateMany({
            where: { id: mapping.id, lifecycle: 'active', version: mapping.version },
            data: {
              lifecycle: 'deleted',
              status: 'deleted',
              ...(snapshot ? { snapshot: toSnapshot({ ...snapshot, status: 'deleted' }) } : {}),
              syncedAt: new Date(),
              version: { increment: 1 },
            },
          });
          if (count === 0) continue;
          const confirmsDelete = mapping.status === 'deleting';
          if (confirmsDelete) result.deletesConfirmed += 1;
          else result.vanished += 1;
          audits.push(
            auditRow(actor, {
              action: confirmsDelete ? 'sub-user.deleted' : 'sub-user.vanished',
              targetId: mapping.id,
              tenantId: mapping.tenantId,
              changes: {
                before: { status: mapping.status },
                after: {
                  status: 'deleted',
                  ...(confirmsDelete
                    ? { confirmedBy: 'sync' }
                    : { reason: 'no longer held by the provider (deleted outside the gateway)' }),
                },
              },
            }),
          );
        }
        if (audits.length > 0) await db.auditEvent.createMany({ data: audits });
      });
    }
  }

  /** Intents whose window closed before this listing began, with no match: nothing was created. */
  private async expireIntents(
    live: SubUserMapping[],
    completed: Set<string>,
    listingStartedAt: Date,
    actor: Actor,
    result: AccountSyncResult,
  ): Promise<void> {
    const expired = live.filter(
      (row) =>
        row.lifecycle === 'intent' &&
        !completed.has(row.id) &&
        row.intentExpiresAt !== null &&
        row.intentExpiresAt < listingStartedAt,
    );
    for (const row of expired) {
      await this.mappings.transaction(async (db) => {
        const { count } = await this.mappings.deleteIntent(row.id, db);
        if (count === 0) return;
        result.expiredIntents += 1;
        await db.auditEvent.create({
          data: auditRow(actor, {
            action: 'sub-user.intent-expired',
            targetId: row.id,
            tenantId: row.tenantId,
            changes: {
              before: { status: 'provisioning', name: row.name, intent: row.intent },
              after: {
                status: null,
                reason:
                  'the provider holds no matching sub-user after the intent’s window: nothing was created',
              },
            },
          }),
        });
      });
    }
  }
}

function intentStart(row: SubUserMapping): Date {
  const startedAt = (row.intent as { startedAt?: string } | null)?.startedAt;
  const parsed = startedAt ? new Date(startedAt) : row.createdAt;
  return Number.isNaN(parsed.getTime()) ? row.createdAt : parsed;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The missing mappings the provider confirms it no longer holds (uncertain ones are kept for the next sync). */
async function confirmGone(driver: ProviderDriver, missing: SubUserMapping[]): Promise<SubUserMapping[]> {
  if (missing.length > CONFIRM_BY_GET_MAX) {
    let second: ProviderSubUser[];
    try {
      second = await driver.list({ priority: 'background' });
    } catch {
      return [];
    }
    const present = new Set(second.map((subUser) => subUser.providerSubUserId));
    return missing.filter((mapping) => !present.has(mapping.providerSubUserId!));
  }
  const gone: SubUserMapping[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < missing.length) {
      const mapping = missing[next++];
      try {
        const current = await driver.get(mapping.providerSubUserId!, { priority: 'background' });
        if (current.status === 'deleted') gone.push(mapping);
      } catch (error) {
        if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND') gone.push(mapping);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONFIRM_CONCURRENCY, missing.length) }, worker));
  return gone;
}
