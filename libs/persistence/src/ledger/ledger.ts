import type { ProviderSubUser, SubUserEcho, SubUserSuspension } from '@app/domain';
import type { PasswordCheck } from './intent-evidence';
import type { SubUserMapping } from '../generated/prisma/client';
import type { Tx } from '../transactions';

/** A sub-user's stored record (the mapping row). */
export type SubUserRecord = SubUserMapping;

/** Who caused a change, for the audit row. */
export interface Actor {
  keyId: string | null;
  requestId: string | null;
}

/** The failure a provider call ended with, as the audit log keeps it (never a secret). */
export interface FailureNote {
  code: string;
  providerRequestId?: string | null;
}

/** What a create asked for and what its provider will hold: the evidence a lost create is matched by. */
export interface IntentEvidence {
  /** The request as the caller sent it, secrets removed. */
  requested: Record<string, unknown>;
  /** What the provider will hold (its driver's `expectedEcho`), without the password. */
  echo: Omit<SubUserEcho, 'proxyPassword'>;
  /** A salted digest of the proxy password the create sent (listings of some providers reveal it). */
  password?: PasswordCheck;
  requestId: string | null;
  startedAt: string;
  /** Where placement put it and why (creates that asked for placement). */
  placement?: { providerAccountId: string; reason: string };
  /**
   * When its create call ended without knowing whether the provider created it (a timeout, a lost
   * answer): until then a sync leaves an ambiguous match to the answer still to come.
   */
  unansweredAt?: string;
}

export interface OpenIntentCommand {
  id: string;
  tenantId: string;
  providerAccountId: string;
  provider: string;
  /** The display name: the provider's own or one the gateway keeps. */
  name: string | null;
  gatewayNotes: string | null;
  metadata: Record<string, string>;
  createKey: string | null;
  evidence: Omit<IntentEvidence, 'password'>;
  /** The password the create sends: kept only as a salted digest, compared in memory. */
  proxyPassword?: string;
  /** The traffic limit the create asks for (null = unlimited), checked against the tenant's budget. */
  trafficLimitBytes: number | null;
  expiresAt: Date;
}

/** An answer as the idempotency store keeps it (sealed when it holds a secret). */
export interface StoredAnswer {
  status: number;
  body: string | null;
  sealed: boolean;
}

/**
 * The request's Idempotency-Key claim, completed in the same statement as the change it answers
 * (one round trip instead of two): `render` gives the answer the request will send, from the record
 * the change makes; `stored` is told when it was stored (the claim's holder then stores nothing).
 */
export interface IdempotentAnswer {
  recordId: string;
  render(record: SubUserRecord): StoredAnswer;
  stored(): void;
}

export interface CompleteIntentCommand {
  intentId: string;
  subUser: ProviderSubUser;
  actor: Actor;
  /**
   * The intent as {@link Ledger.openIntent} returned it: the completion is then one statement,
   * conditional on the record still being that intent (else it is read and completed as usual).
   */
  opened?: SubUserRecord;
  /** Store the request's idempotent answer with the completion (a create's own call only). */
  answer?: IdempotentAnswer;
  /**
   * `create`: the provider answered this intent's own call. `sync`: a listing holds a sub-user
   * whose evidence matches (the ledger checks it again: never onto another intent's sub-user).
   */
  via: 'create' | 'sync';
}

export interface FailIntentCommand {
  intentId: string;
  tenantId: string;
  /** The provider certainly created nothing: the intent goes; otherwise it stays for the sync. */
  certainlyNotCreated: boolean;
  failure: FailureNote;
  actor: Actor;
}

/** A change the caller holds exclusively while its provider call runs (see {@link Ledger.claimChange}). */
export interface ChangeClaim {
  record: SubUserRecord;
  claimId: string;
  /** The tenant's usage thresholds (read with the claim: the change's answer needs them). */
  thresholds?: number[];
}

export type ClaimRefusal = 'not-found' | 'precondition-failed' | 'busy' | 'being-created' | 'final';

export interface ClaimOptions {
  /** The ETag's version the change applies to (If-Match). */
  expectedVersion?: number;
  ttlMs: number;
  /**
   * What the change asks of a tenant's budget: the traffic limit it sets (null: unlimited), and
   * whether it moves the sub-user into that tenant (admins). Checked with the tenant's row locked
   * and reserved with the claim (422 QUOTA_EXCEEDED when it does not fit).
   */
  reserve?: { tenantId: string; limitBytes?: number | null; movesIn?: boolean };
}

export interface RecordUpdateCommand {
  id: string;
  claimId: string;
  /**
   * The claim as taken: when the record is still as it was then (same version), the update is
   * one statement; otherwise it is read again and recorded as usual.
   */
  claimed?: ChangeClaim;
  /** What the provider answered, when it was called. */
  subUser?: ProviderSubUser;
  metadata?: Record<string, string>;
  gatewayNotes?: string | null;
  gatewayName?: string | null;
  tenantId?: string;
  /** A suspended sub-user's new limit to restore on resume (its PATCH changed the limit). */
  suspension?: SubUserSuspension;
  request: Record<string, unknown>;
  actor: Actor;
}

export interface RecordProviderActionCommand {
  id: string;
  claimId: string;
  action: 'sub-user.proxy-list-refreshed' | 'sub-user.usage-reset' | 'sub-user.password-rotated';
  subUser?: ProviderSubUser;
  actor: Actor;
}

/** Suspend (`suspension` set) or resume (null) a sub-user whose claim the caller holds. */
export interface RecordSuspensionCommand {
  id: string;
  claimId: string;
  /** What the provider answered after the limit was lowered or given back. */
  subUser: ProviderSubUser;
  suspension: SubUserSuspension | null;
  actor: Actor;
}

export interface RecordFailureCommand {
  id: string;
  tenantId: string;
  action: string;
  failure: FailureNote;
  request?: Record<string, unknown> | null;
  actor: Actor;
  /** Released with the failure, so the next change may start. */
  claimId?: string;
}

export interface MarkDeletedCommand {
  id: string;
  /**
   * The record as the caller read it: while it is still at that version the change is one
   * statement; otherwise it is read again and recorded as usual.
   */
  before?: SubUserRecord;
  /** `deleting` where the provider finishes later. */
  status: 'deleted' | 'deleting';
  actor: Actor;
  /** `sub-user.vanished` when the provider already had no such sub-user. */
  action?: 'sub-user.deleted' | 'sub-user.vanished';
  /** Who saw the provider finish an asynchronous delete. */
  confirmedBy?: 'sync' | 'follow-up';
  /** Only while the record is still at this version (a confirmation read before a newer change). */
  expectedVersion?: number;
  /** Why, for the audit line (e.g. deleted outside the gateway). */
  reason?: string;
}

/** A fresh report from the provider for a known sub-user (fresh read, sync listing). */
export interface SnapshotReport {
  record: SubUserRecord;
  subUser: ProviderSubUser;
}

export interface SnapshotOutcome {
  id: string;
  applied: boolean;
  drift: boolean;
}

export interface AdoptCommand {
  providerAccountId: string;
  provider: string;
  tenantId: string;
  subUsers: ProviderSubUser[];
  actor: Actor;
}

export interface AmbiguousIntentCommand {
  intentId: string;
  candidates: { providerSubUserId: string; gatewayId: string | null }[];
  reason: string;
  actor: Actor;
}

/** A change to something other than a sub-user (provider account, API key, tenant, job, webhook). */
export interface RecordedChange {
  action: string;
  targetType: string;
  targetId: string | null;
  tenantId: string | null;
  actor: Actor;
  changes?: { before?: unknown; after?: unknown; request?: unknown } | null;
  outcome?: 'ok' | 'error';
  errorCode?: string | null;
  /** Announce it as an event too (type and the subject as the API shows it). */
  announce?: { type: string; data: unknown };
}

/**
 * The one owner of the sub-user lifecycle. Services and jobs say what happened (a create was
 * answered, a listing no longer holds a sub-user); the ledger decides whether that is an allowed
 * transition and records it: the mapping row (conditional on its state and version), its audit
 * row and its outbox event, in one transaction. Nothing else writes `sub_user_mappings`,
 * `audit_events` or `outbox_events`. The state machine is drawn in ./README.md.
 *
 * An abstract class is the DI token (PersistenceModule binds the Prisma implementation).
 */
export abstract class Ledger {
  /**
   * Records a create before its provider call. Refuses (409 CONFLICT) when another open intent
   * on the account could not be told apart from this one afterwards, and (409
   * IDEMPOTENCY_IN_PROGRESS) a second create under the same Idempotency-Key.
   */
  abstract openIntent(command: OpenIntentCommand): Promise<SubUserRecord>;
  /**
   * As {@link openIntent} (one round trip), except that a record already made under the same
   * Idempotency-Key is named instead of refused: the create is a retry and goes the retry's way.
   */
  abstract openIntentUnlessEarlier(
    command: OpenIntentCommand,
  ): Promise<{ opened: SubUserRecord } | { earlierId: string }>;
  /** A retried create reusing its still-open intent: new evidence; null when it was closed meanwhile. */
  abstract renewIntent(command: OpenIntentCommand): Promise<SubUserRecord | null>;
  /**
   * Frees the Idempotency-Key of a create made before `madeBefore` (its retention is over), so the
   * caller may use the key for a new create. False when the record is an open intent, is newer,
   * or no longer holds the key.
   */
  abstract releaseCreateKey(id: string, createKey: string, madeBefore: Date): Promise<boolean>;
  /** intent → active. Null when the intent was closed meanwhile or the evidence does not hold. */
  abstract completeIntent(command: CompleteIntentCommand): Promise<SubUserRecord | null>;
  /** Records a failed create; closes the intent when nothing was certainly created. */
  abstract failIntent(command: FailIntentCommand): Promise<void>;
  /** An intent whose window closed with no matching sub-user: nothing was created. */
  abstract expireIntent(intentId: string, actor: Actor): Promise<boolean>;
  /** An intent several provider sub-users match: it is closed, the candidates were adopted. */
  abstract closeAmbiguousIntent(command: AmbiguousIntentCommand): Promise<boolean>;

  /** Takes the right to change a sub-user at its provider (one writer at a time). */
  abstract claimChange(id: string, options: ClaimOptions): Promise<ChangeClaim | ClaimRefusal>;
  abstract releaseChange(id: string, claimId: string): Promise<void>;
  /** A PATCH's outcome; null when the sub-user left `active` meanwhile (a delete won). */
  abstract recordUpdate(command: RecordUpdateCommand): Promise<SubUserRecord | null>;
  abstract recordProviderAction(command: RecordProviderActionCommand): Promise<SubUserRecord>;
  /** active ⇄ suspended. Null when the record is no longer in the state the change needs. */
  abstract recordSuspension(command: RecordSuspensionCommand): Promise<SubUserRecord | null>;
  /** An attempt the provider refused or that failed: audit only (no state change). */
  abstract recordFailure(command: RecordFailureCommand): Promise<void>;
  /** Somebody read a secret (credentials): audit only. */
  abstract recordAccess(record: SubUserRecord, action: string, actor: Actor): Promise<void>;

  /** A fresh read's report: stored when it changed; drift audited and announced, usage silent. */
  abstract applySnapshot(report: SnapshotReport, actor: Actor): Promise<SubUserRecord>;
  /** The same for a batch (sync), each conditional on the version read; one transaction. */
  abstract applySnapshots(reports: SnapshotReport[], actor: Actor, at: Date): Promise<SnapshotOutcome[]>;
  /** Sub-users a listing reported unchanged. */
  abstract markSynced(ids: string[], at: Date): Promise<void>;
  /** active → deleting | deleted. Never out of deleting/deleted. */
  abstract markDeleted(command: MarkDeletedCommand): Promise<{ record: SubUserRecord; changed: boolean }>;
  /** The provider no longer has an active sub-user (a fresh read's 404): status `unknown`. */
  abstract markUnknown(record: SubUserRecord, actor: Actor): Promise<SubUserRecord | null>;
  /** Provider sub-users nobody created through the gateway; returns the records made. */
  abstract adopt(command: AdoptCommand): Promise<SubUserRecord[]>;

  /** A change to another kind of resource; pass `tx` to commit it with that change. */
  abstract recordChange(change: RecordedChange, tx?: Tx): Promise<void>;
  /** Removes an account's deleted sub-users (their history) with the account itself. */
  abstract forgetAccountHistory(providerAccountId: string, tx: Tx): Promise<void>;
}
