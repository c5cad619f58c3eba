import type { Lifecycle, RowGuard } from './mapping-rows';

/** Once a sub-user is being deleted or is deleted, nothing may bring it back. */
export const FINAL_STATUSES = ['deleting', 'deleted'] as const;

/**
 * The state machine, one rule per transition: the state a record must be in for the change to
 * apply. Every write of the ledger is conditional on its rule (in the same SQL statement), so a
 * late answer, a concurrent sync or another replica can never move a record the wrong way.
 * Drawn as a table in ./README.md; tested rule by rule in transitions.spec.ts.
 */
export const TRANSITIONS = {
  /** provisioning (intent) → active: the create's answer, or the sync finding its sub-user. */
  completeIntent: { lifecycles: ['intent'] },
  /** An open intent ends without a sub-user (refused, expired, ambiguous). */
  closeIntent: { lifecycles: ['intent'] },
  /** Take the right to change it at the provider: live and not on its way out. */
  claimChange: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES] },
  /** A change answered by the provider, while the claim is still held. */
  recordChange: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES] },
  /** A provider report of a live sub-user (fresh read, listing). */
  applySnapshot: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES] },
  /** A report of a sub-user being deleted: its data may change, its status stays `deleting`. */
  refreshDeleting: { lifecycles: ['active'], statuses: ['deleting'] },
  /** active → suspended: the provider-side limit was lowered (or switched off). */
  suspend: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES, 'suspended'] },
  /** suspended → active: the limit given back. */
  resume: { lifecycles: ['active'], statuses: ['suspended'] },
  /** active → deleting (the provider finishes later). */
  markDeleting: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES] },
  /** active | deleting → deleted. */
  markDeleted: { lifecycles: ['active'], notStatuses: ['deleted'] },
  /** active → unknown: the provider answered 404 for a sub-user it should hold. */
  markUnknown: { lifecycles: ['active'], notStatuses: [...FINAL_STATUSES, 'unknown'] },
} as const satisfies Record<string, { lifecycles: Lifecycle[]; notStatuses?: string[]; statuses?: string[] }>;

export type Transition = keyof typeof TRANSITIONS;

/** The guard of a transition, optionally narrowed further (a version, a claim). */
type Rule = {
  lifecycles: readonly Lifecycle[];
  notStatuses?: readonly string[];
  statuses?: readonly string[];
};

export function guardOf(transition: Transition, extra: Omit<RowGuard, 'lifecycles'> = {}): RowGuard {
  const rule = TRANSITIONS[transition] as Rule;
  return {
    lifecycles: [...rule.lifecycles],
    ...(rule.notStatuses ? { notStatuses: [...rule.notStatuses, ...(extra.notStatuses ?? [])] } : {}),
    ...(rule.statuses ? { statuses: [...rule.statuses] } : {}),
    ...(extra.version !== undefined ? { version: extra.version } : {}),
    ...(extra.claimId !== undefined ? { claimId: extra.claimId } : {}),
    ...(extra.claimFreeAt ? { claimFreeAt: extra.claimFreeAt } : {}),
  };
}

/** Whether a record in this state may take the transition (the same rule, in memory). */
export function allows(transition: Transition, record: { lifecycle: string; status: string }): boolean {
  const rule = TRANSITIONS[transition] as Rule;
  return (
    rule.lifecycles.includes(record.lifecycle as Lifecycle) &&
    !(rule.notStatuses ?? []).includes(record.status) &&
    (rule.statuses === undefined || rule.statuses.includes(record.status))
  );
}
