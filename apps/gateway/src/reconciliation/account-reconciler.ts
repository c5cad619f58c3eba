import { Injectable, Logger } from '@nestjs/common';
import { type ProviderSubUser, isGatewayError } from '@app/domain';
import {
  type ActiveKey,
  type IntentEvidence,
  type Actor,
  Ledger,
  type ProviderAccount,
  type SnapshotReport,
  SubUserMappingRepository,
  type SubUserRecord,
  evidenceMatches,
  evidenceOf,
  isUniqueViolation,
  sameSnapshot,
  toSnapshot,
  windowOf,
} from '@app/persistence';
import type { ProviderDriver } from '@app/providers';
import { DEFAULT_TENANT_ID } from '../access/api-keys.service';
import { ProviderAccountsService } from '../provider-accounts/provider-accounts.service';
import { type OpenIntent, planIntents } from './intent-matching';
import { confirmGone } from './missing';
import { type AccountSyncResult, emptyResult } from './sync-result';

/** Reports written per transaction: short transactions keep the embedded database responsive. */
const BATCH = 250;
/**
 * Adoptions are one INSERT per batch. On the embedded database a statement holds the event loop
 * while it runs (~350 ms for 1,000 adoptions): smaller batches let another account's listing and
 * the API's requests in between (rate-limited sync benchmark: 1.12-1.20 x its minimum with 1,000,
 * 1.02 with 250).
 */
const ADOPT_BATCH = 250;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isGatewayError(error)) return { code: error.code, message: error.detail };
  return { code: 'INTERNAL', message: 'unexpected error during the sync' };
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Makes one provider account's records match a complete listing of its sub-users, through the
 * ledger: changed ones get a new snapshot (drift recorded, usage silent), unknown ones complete
 * the open create intents they certainly belong to or are adopted into the default tenant, and
 * mapped ones missing from the listing are confirmed gone. A failed listing changes nothing.
 * Used by the sync job and by a create retried after a lost answer.
 */
@Injectable()
export class AccountReconciler {
  private readonly logger = new Logger('AccountReconciler');

  constructor(
    private readonly ledger: Ledger,
    private readonly mappings: SubUserMappingRepository,
    private readonly accounts: ProviderAccountsService,
  ) {}

  /**
   * One account; never throws for provider failures (they become the result's error). The listing
   * is worked through a page at a time as the pages arrive (the next ones are fetched meanwhile):
   * known sub-users are reported, unknown ones adopted unless an open intent's evidence fits them
   * (those wait for the end, where intents are matched across the whole listing). Only a complete
   * listing marks anything missing or expires an intent. Memory: one page, the ids listed, and the
   * ids of the records that were active before.
   */
  async reconcile(account: ProviderAccount, actor: Actor, signal?: AbortSignal): Promise<AccountSyncResult> {
    const started = Date.now();
    const result = emptyResult(account);
    let mark = Date.now();
    const phase = (name: keyof AccountSyncResult['phasesMs']) => {
      const now = Date.now();
      result.phasesMs[name] += now - mark;
      mark = now;
    };
    let iterator: AsyncIterator<ProviderSubUser[]> | undefined;
    try {
      const { driver } = await this.accounts.resolve(account.id);
      // Read before listing: only records that existed before the listing began can be missing from it.
      const before = await this.mappings.activeKeysByAccount(account.id);
      phase('read');
      const listingStartedAt = new Date();
      const listed = new Set<string>();
      const deferred: ProviderSubUser[] = [];
      const options = { priority: 'background' as const };
      iterator = (driver.listPages?.(options) ?? oneShot(() => driver.list(options)))[Symbol.asyncIterator]();
      for (;;) {
        let step: IteratorResult<ProviderSubUser[]>;
        try {
          step = await iterator.next();
        } catch (error) {
          result.error = errorOf(error);
          return result;
        }
        phase('list');
        if (step.done) break;
        throwIfAborted(signal);
        // A sub-user the list shifted onto a second page is worked on once.
        const page = step.value.filter((subUser) => {
          if (listed.has(subUser.providerSubUserId)) return false;
          listed.add(subUser.providerSubUserId);
          return true;
        });
        result.listed += page.length;
        await this.applyPage(account, page, actor, listingStartedAt, result, deferred, phase, signal);
      }
      await this.accounts.refreshBalance(account.id, driver);

      // Read again after listing: intents written meanwhile are matched, not adopted.
      const intents = await this.mappings.openIntentsByAccount(account.id);
      phase('read');
      const completed = await this.resolveUnknown(account, deferred, intents, actor, result, signal);
      phase('adopt');
      await this.resolveMissing(driver, before, listed, actor, result);
      await this.expireIntents(intents, completed, listingStartedAt, actor, result);
      phase('missing');
      result.ok = true;
      return result;
    } catch (error) {
      if (signal?.aborted) throw error;
      this.logger.error(`Sync of ${account.name} stopped: ${(error as Error).message}`);
      result.error = errorOf(error);
      return result;
    } finally {
      void iterator?.return?.();
      result.durationMs = Date.now() - started;
    }
  }

  /** One page of a listing: reports of known sub-users written, unknown ones adopted or deferred. */
  private async applyPage(
    account: ProviderAccount,
    page: ProviderSubUser[],
    actor: Actor,
    at: Date,
    result: AccountSyncResult,
    deferred: ProviderSubUser[],
    phase: (name: keyof AccountSyncResult['phasesMs']) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    if (page.length === 0) return;
    const records = await this.mappings.findLiveByProviderIds(
      account.id,
      page.map((subUser) => subUser.providerSubUserId),
    );
    const known = new Map<string, SubUserRecord>();
    for (const record of records) if (record.providerSubUserId) known.set(record.providerSubUserId, record);
    const unknown: ProviderSubUser[] = [];
    const reports: SnapshotReport[] = [];
    for (const subUser of page) {
      const record = known.get(subUser.providerSubUserId);
      if (!record) unknown.push(subUser);
      // A record written since the listing began (a PATCH, a fresh read, a change in flight) holds
      // a newer answer of the provider than this page may: the page's would revert it (a name
      // back, a usage counter lower, read as a reset). The next sync reports it.
      else if (record.lifecycle === 'active' && record.updatedAt.getTime() <= at.getTime())
        reports.push({ record, subUser });
    }
    phase('read');
    await this.applyReports(reports, actor, at, result, signal);
    phase('update');
    if (unknown.length === 0) return;
    // An unknown sub-user an open intent's evidence fits waits for the end of the listing, where
    // intents are matched against every candidate (two candidates: ambiguous, never a guess).
    const intents = (await this.mappings.openIntentsByAccount(account.id)).map(openIntentOf);
    phase('read');
    const adoptions: ProviderSubUser[] = [];
    for (const subUser of unknown) {
      const fits = intents.some((intent) => evidenceMatches(intent.evidence, intent.window, subUser));
      (fits ? deferred : adoptions).push(subUser);
    }
    for (const batch of chunks(adoptions, ADOPT_BATCH)) {
      throwIfAborted(signal);
      result.adopted += (await this.adoptBatch(account, batch, actor)).length;
    }
    phase('adopt');
  }

  private adoptBatch(account: ProviderAccount, subUsers: ProviderSubUser[], actor: Actor) {
    return this.ledger.adopt({
      providerAccountId: account.id,
      provider: account.provider,
      tenantId: DEFAULT_TENANT_ID,
      subUsers,
      actor,
    });
  }

  /** Known sub-users: changed snapshots written (conditional on the version read), the rest touched. */
  private async applyReports(
    reports: SnapshotReport[],
    actor: Actor,
    at: Date,
    result: AccountSyncResult,
    signal?: AbortSignal,
  ): Promise<void> {
    const changed: SnapshotReport[] = [];
    const unchanged: string[] = [];
    for (const report of reports) {
      if (isUnchanged(report)) unchanged.push(report.record.id);
      else changed.push(report);
    }
    for (const batch of chunks(changed, BATCH)) {
      throwIfAborted(signal);
      for (const outcome of await this.ledger.applySnapshots(batch, actor, at)) {
        if (outcome.applied) result.updated += 1;
        if (outcome.drift) result.drift += 1;
      }
    }
    for (const ids of chunks(unchanged, 5_000)) await this.ledger.markSynced(ids, at);
  }

  /** Unknown sub-users: complete the open create intents they certainly belong to, adopt the rest. */
  private async resolveUnknown(
    account: ProviderAccount,
    unknown: ProviderSubUser[],
    openIntents: SubUserRecord[],
    actor: Actor,
    result: AccountSyncResult,
    signal?: AbortSignal,
  ): Promise<Set<string>> {
    const completed = new Set<string>();
    if (unknown.length === 0) return completed;
    const intents: OpenIntent[] = openIntents.map(openIntentOf);
    const plan = planIntents(unknown, intents);
    // An ambiguous intent whose create call may still answer is left open, its candidates
    // unadopted: the answer names its sub-user, where settling now would adopt that one into the
    // default tenant, close the intent under the create (a 500) and free its Idempotency-Key (a
    // retry then creates another). A later sync settles it once the call failed or its window ended.
    const awaiting = new Set(intents.filter((intent) => intent.awaitingAnswer).map((intent) => intent.id));
    const waiting = new Set<ProviderSubUser>();
    let ambiguous = plan.ambiguous;
    // A group sharing a candidate with one that waits waits too (its candidates stay unadopted).
    for (let changed = true; changed;) {
      changed = false;
      ambiguous = ambiguous.filter((group) => {
        const waits =
          group.intentIds.some((intentId) => awaiting.has(intentId)) ||
          group.subUsers.some((subUser) => waiting.has(subUser));
        if (waits) for (const subUser of group.subUsers) waiting.add(subUser);
        changed ||= waits;
        return !waits;
      });
    }
    const adoptions = plan.adoptions.filter((subUser) => !waiting.has(subUser));

    for (const { intentId, subUser } of plan.completions) {
      throwIfAborted(signal);
      const record = await this.ledger
        .completeIntent({ intentId, subUser, actor, via: 'sync' })
        .catch((error: unknown) => {
          // The create call finished first and stored this provider id on its own record.
          if (isUniqueViolation(error)) return 'known';
          throw error;
        });
      if (record === 'known') continue;
      if (record === null) {
        // The intent was closed meanwhile (the create answered, or it expired): adopt unless stored.
        if (!(await this.mappings.findByProviderId(account.id, subUser.providerSubUserId)))
          adoptions.push(subUser);
        continue;
      }
      completed.add(intentId);
      result.matchedIntents += 1;
    }

    const adopted = new Map<string, string>();
    for (const batch of chunks(adoptions, ADOPT_BATCH)) {
      throwIfAborted(signal);
      const records = await this.adoptBatch(account, batch, actor);
      for (const record of records) adopted.set(record.providerSubUserId!, record.id);
      result.adopted += records.length;
    }

    for (const group of ambiguous) {
      for (const intentId of group.intentIds) {
        const closed = await this.ledger.closeAmbiguousIntent({
          intentId,
          candidates: group.subUsers.map((subUser) => ({
            providerSubUserId: subUser.providerSubUserId,
            gatewayId: adopted.get(subUser.providerSubUserId) ?? null,
          })),
          reason:
            'several provider sub-users hold every field this create sent and were created in its window; none was assigned by a guess: they were adopted into the default tenant; move the right one to its tenant (PATCH tenantId) and delete the other',
          actor,
        });
        if (closed) {
          completed.add(intentId);
          result.ambiguous += 1;
        }
      }
    }
    return completed;
  }

  /**
   * Mapped sub-users missing from a complete listing: confirmed gone, then marked deleted. A
   * `deleting` one that is gone is a provider delete finished.
   */
  private async resolveMissing(
    driver: ProviderDriver,
    before: ActiveKey[],
    listedIds: Set<string>,
    actor: Actor,
    result: AccountSyncResult,
  ): Promise<void> {
    const missing = before.filter(
      (record) => record.providerSubUserId && !listedIds.has(record.providerSubUserId),
    );
    if (missing.length === 0) return;
    for (const record of await confirmGone(driver, missing)) {
      const confirmsDelete = record.status === 'deleting';
      const { changed } = await this.ledger.markDeleted({
        id: record.id,
        status: 'deleted',
        actor,
        expectedVersion: record.version,
        ...(confirmsDelete
          ? { action: 'sub-user.deleted', confirmedBy: 'sync' }
          : {
              action: 'sub-user.vanished',
              reason: 'no longer held by the provider (deleted outside the gateway)',
            }),
      });
      if (!changed) continue; // a newer write won; the next sync looks again
      if (confirmsDelete) result.deletesConfirmed += 1;
      else result.vanished += 1;
    }
  }

  /** Intents whose window closed before this listing began, with no match: nothing was created. */
  private async expireIntents(
    intents: SubUserRecord[],
    completed: Set<string>,
    listingStartedAt: Date,
    actor: Actor,
    result: AccountSyncResult,
  ): Promise<void> {
    const expired = intents.filter(
      (record) =>
        record.lifecycle === 'intent' &&
        !completed.has(record.id) &&
        record.intentExpiresAt !== null &&
        record.intentExpiresAt < listingStartedAt,
    );
    for (const record of expired)
      if (await this.ledger.expireIntent(record.id, actor)) result.expiredIntents += 1;
  }
}

/** An open intent as intent matching needs it. */
function openIntentOf(record: SubUserRecord): OpenIntent {
  const window = windowOf(record);
  const unanswered = (record.intent as Partial<IntentEvidence> | null)?.unansweredAt !== undefined;
  return {
    id: record.id,
    evidence: evidenceOf(record),
    window,
    awaitingAnswer: !unanswered && window.expiresAt.getTime() > Date.now(),
  };
}

/** A driver without a paged listing: its whole list as one page. */
async function* oneShot(list: () => Promise<ProviderSubUser[]>): AsyncIterable<ProviderSubUser[]> {
  yield await list();
}

/** The provider reports exactly what is stored: only the confirmation time moves. */
function isUnchanged(report: SnapshotReport): boolean {
  return (
    report.record.status === report.subUser.status &&
    sameSnapshot(report.record.snapshot, toSnapshot(report.subUser))
  );
}
