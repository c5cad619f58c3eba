import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isGatewayError } from '@app/domain';
import { Ledger, SubUserMappingRepository, type SubUserRecord } from '@app/persistence';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { ProviderAccountsService } from '../provider-accounts/provider-accounts.service';
import { SyncService } from './sync.service';

export interface SyncSchedulerSettings {
  /** How often pending provider deletes and stale intents are looked at. */
  followUpMs: number;
  /** A create intent this old has lost its answer (not merely in flight): a sync resolves it. */
  staleIntentMs: number;
}

const STALE_INTENT_MS = 30_000;
/** Deletes followed per pass; more than this many in one account → one sync (one listing) instead. */
const FOLLOW_MAX_PER_PASS = 50;
const FOLLOW_BY_GET_PER_ACCOUNT = 10;
const FIRST_CHECK_MS = 500;
const MAX_CHECK_GAP_MS = 60_000;
/** After this long the periodic or next sync takes over: the follow-up stays light. */
const GIVE_UP_AFTER_MS = 30 * 60_000;
const INTENT_SYNC_FIRST_GAP_MS = 30_000;
const INTENT_SYNC_MAX_GAP_MS = 10 * 60_000;

interface Backoff {
  next: number;
  gap: number;
  since: number;
}

/**
 * What starts syncs besides POST /v1/sync: the periodic sync (SYNC_INTERVAL_SECONDS), a sync at
 * startup for accounts with open create intents (a crash may have lost their answers), and a light
 * follow-up (every SYNC_FOLLOW_UP_MS) of asynchronous provider deletes (ProxyHat `deleting`) and of
 * intents left open, so nobody waits for the periodic sync. Everything here is re-derived from the
 * database, so a restart loses nothing; with several replicas the active-job check keeps one sync
 * per account.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SyncScheduler');
  private settings: SyncSchedulerSettings;
  private periodic?: NodeJS.Timeout;
  private followUp?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopped = false;
  private readonly deleteChecks = new Map<string, Backoff>();
  private readonly intentSyncs = new Map<string, Backoff>();

  constructor(
    private readonly sync: SyncService,
    private readonly mappings: SubUserMappingRepository,
    private readonly ledger: Ledger,
    private readonly accounts: ProviderAccountsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.settings = { followUpMs: config.jobs.syncFollowUpMs, staleIntentMs: STALE_INTENT_MS };
  }

  configure(settings: Partial<SyncSchedulerSettings>): void {
    this.settings = { ...this.settings, ...settings };
    if (this.followUp) {
      clearInterval(this.followUp);
      this.followUp = undefined;
      this.startFollowUp();
    }
  }

  onApplicationBootstrap(): void {
    const interval = this.config.jobs.syncIntervalSeconds;
    if (interval > 0) {
      this.periodic = setInterval(() => void this.trigger(null, 'schedule'), interval * 1000);
      this.periodic.unref();
    }
    this.startFollowUp();
    void this.resolveOpenIntents();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.periodic) clearInterval(this.periodic);
    if (this.followUp) clearInterval(this.followUp);
    await this.pass;
  }

  /** One follow-up pass now (tests; also what the timer runs). */
  runFollowUp(): Promise<void> {
    if (!this.pass) {
      this.pass = this.followUpPass()
        .catch((error: unknown) => this.logger.warn(`Sync follow-up failed: ${(error as Error).message}`))
        .finally(() => {
          this.pass = undefined;
        });
    }
    return this.pass;
  }

  private startFollowUp(): void {
    if (this.settings.followUpMs <= 0) return;
    this.followUp = setInterval(() => void this.runFollowUp(), this.settings.followUpMs);
    this.followUp.unref();
  }

  /** Queues a sync for every account with open create intents (run at startup: a crash may have lost their answers). */
  async resolveOpenIntents(): Promise<void> {
    try {
      for (const accountId of await this.mappings.accountsWithOpenIntents()) {
        await this.trigger(accountId, 'startup');
      }
    } catch (error) {
      this.logger.warn(`Startup check of open intents failed: ${(error as Error).message}`);
    }
  }

  private async trigger(accountId: string | null, reason: 'schedule' | 'startup' | 'follow-up') {
    if (this.stopped) return;
    try {
      const { job, existing } = await this.sync.trigger(accountId, reason, null);
      if (!existing) this.logger.log(`Sync ${job.id} queued (${reason}${accountId ? `, ${accountId}` : ''})`);
    } catch (error) {
      this.logger.warn(`Could not queue a ${reason} sync: ${(error as Error).message}`);
    }
  }

  private async followUpPass(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    // Intents whose answer was lost: a sync of their account, backing off while they stay open.
    for (const accountId of await this.mappings.accountsWithOpenIntents(
      new Date(now - this.settings.staleIntentMs),
    )) {
      if (due(this.intentSyncs, accountId, now, INTENT_SYNC_FIRST_GAP_MS, INTENT_SYNC_MAX_GAP_MS, false))
        await this.trigger(accountId, 'follow-up');
    }

    const deleting = await this.mappings.findDeleting(FOLLOW_MAX_PER_PASS * 4);
    const live = new Set(deleting.map((mapping) => mapping.id));
    for (const id of this.deleteChecks.keys()) if (!live.has(id)) this.deleteChecks.delete(id);
    const byAccount = new Map<string, SubUserRecord[]>();
    for (const mapping of deleting) {
      if (!due(this.deleteChecks, mapping.id, now, FIRST_CHECK_MS, MAX_CHECK_GAP_MS, true)) continue;
      byAccount.set(mapping.providerAccountId, [
        ...(byAccount.get(mapping.providerAccountId) ?? []),
        mapping,
      ]);
    }
    for (const [accountId, group] of byAccount) {
      if (this.stopped) return;
      // Many deletes at once (a bulk delete): one listing answers for all of them.
      if (group.length > FOLLOW_BY_GET_PER_ACCOUNT) await this.trigger(accountId, 'follow-up');
      else for (const mapping of group) await this.checkDelete(mapping);
    }
  }

  /** Asks the provider whether a `deleting` sub-user is gone; gone → mapping deleted (+ audit). */
  private async checkDelete(mapping: SubUserRecord): Promise<void> {
    let gone: boolean;
    try {
      const { driver } = await this.accounts.resolve(mapping.providerAccountId);
      const current = await driver.get(mapping.providerSubUserId!, { priority: 'background' });
      gone = current.status === 'deleted';
    } catch (error) {
      if (isGatewayError(error) && error.code === 'PROVIDER_NOT_FOUND') gone = true;
      else return; // Provider trouble: try again at the next check.
    }
    if (!gone) return;
    this.deleteChecks.delete(mapping.id);
    await this.ledger.markDeleted({
      id: mapping.id,
      status: 'deleted',
      actor: { keyId: null, requestId: null },
      confirmedBy: 'follow-up',
      expectedVersion: mapping.version,
    });
  }
}

/** Whether `key` is due now; schedules its next turn with a doubling gap (capped). */
function due(
  table: Map<string, Backoff>,
  key: string,
  now: number,
  firstGap: number,
  maxGap: number,
  giveUp: boolean,
): boolean {
  const entry = table.get(key);
  if (!entry) {
    // First sighting: wait one gap (a delete just answered `deleting` is rarely done already).
    table.set(key, { next: now + firstGap, gap: firstGap, since: now });
    return false;
  }
  if (now < entry.next) return false;
  if (giveUp && now - entry.since > GIVE_UP_AFTER_MS) return false;
  const gap = Math.min(entry.gap * 2, maxGap);
  table.set(key, { next: now + gap, gap, since: entry.since });
  return true;
}
