import { ProviderSubUser } from '@app/domain';
import { canonicalJson } from '../idempotency/canonical-json';

/** How far before an intent's start a provider's clock may place the created sub-user. */
export const INTENT_CLOCK_SKEW_MS = 60_000;

/** The fields a person changes at the provider; usage counters are deliberately absent (not drift). */
const DRIFT_FIELDS = [
  'name',
  'notes',
  'trafficLimitBytes',
  'maxConcurrency',
  'countries',
  'groupId',
  'status',
] as const;
type DriftField = (typeof DRIFT_FIELDS)[number];

export interface Drift {
  before: Partial<Record<DriftField, unknown>>;
  after: Partial<Record<DriftField, unknown>>;
}

function driftView(subUser: ProviderSubUser | null, notesNative: boolean): Record<DriftField, unknown> {
  return {
    name: subUser?.name ?? null,
    // Where the gateway keeps notes the provider has none: never a provider-side change.
    notes: notesNative ? (subUser?.notes ?? null) : null,
    trafficLimitBytes: subUser?.traffic?.limitBytes ?? null,
    maxConcurrency: subUser?.maxConcurrency ?? null,
    countries: subUser?.countries ?? null,
    groupId: subUser?.groupId ?? null,
    status: subUser?.status ?? null,
  };
}

/** The provider-side changes between the stored snapshot and a fresh listing, or null when none. */
export function driftOf(
  stored: ProviderSubUser | null,
  fresh: ProviderSubUser,
  notesNative: boolean,
): Drift | null {
  const before = driftView(stored, notesNative);
  const after = driftView(fresh, notesNative);
  const drift: Drift = { before: {}, after: {} };
  for (const field of DRIFT_FIELDS) {
    if (canonicalJson(before[field]) === canonicalJson(after[field])) continue;
    drift.before[field] = before[field];
    drift.after[field] = after[field];
  }
  return Object.keys(drift.after).length > 0 ? drift : null;
}

export interface OpenIntent {
  id: string;
  name: string | null;
  startedAt: Date;
  expiresAt: Date;
}

export interface IntentPlan {
  /** Intent row → the provider sub-user that completes it. */
  completions: { intentId: string; subUser: ProviderSubUser }[];
  /** Unknown sub-users that no intent claims: adopted into the default tenant. */
  adoptions: ProviderSubUser[];
  /** Groups where the fingerprint did not pick one pair: a person decides. */
  ambiguous: { intentIds: string[]; providerSubUserIds: string[] }[];
}

function fits(intent: OpenIntent, subUser: ProviderSubUser): boolean {
  if (intent.name === null || subUser.name !== intent.name) return false;
  // Without a provider creation time only the name can tell.
  if (!subUser.createdAt) return true;
  const created = Date.parse(subUser.createdAt);
  if (Number.isNaN(created)) return true;
  return (
    created >= intent.startedAt.getTime() - INTENT_CLOCK_SKEW_MS && created <= intent.expiresAt.getTime()
  );
}

function createdTime(subUser: ProviderSubUser): number {
  const time = subUser.createdAt ? Date.parse(subUser.createdAt) : NaN;
  return Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : time;
}

/**
 * Matches unknown provider sub-users to open create intents by fingerprint (same name, created
 * inside the intent's window). Candidates that link several intents or sub-users form a group:
 * it is paired oldest with oldest (so nothing is lost), the extra sub-users are adopted, and the
 * group is reported as ambiguous.
 */
export function planIntents(unknown: ProviderSubUser[], intents: OpenIntent[]): IntentPlan {
  const plan: IntentPlan = { completions: [], adoptions: [], ambiguous: [] };
  const byName = new Map<string, OpenIntent[]>();
  for (const intent of intents) {
    if (intent.name === null) continue;
    byName.set(intent.name, [...(byName.get(intent.name) ?? []), intent]);
  }
  const edges = new Map<string, OpenIntent[]>();
  for (const subUser of unknown) {
    const candidates = (subUser.name !== null ? (byName.get(subUser.name) ?? []) : []).filter((intent) =>
      fits(intent, subUser),
    );
    if (candidates.length === 0) plan.adoptions.push(subUser);
    else edges.set(subUser.providerSubUserId, candidates);
  }

  // Connected groups of (intent, sub-user) candidates, found by walking the links.
  const subUsersById = new Map(unknown.map((subUser) => [subUser.providerSubUserId, subUser]));
  const seenSubUsers = new Set<string>();
  for (const start of edges.keys()) {
    if (seenSubUsers.has(start)) continue;
    const groupSubUsers = new Set<string>();
    const groupIntents = new Map<string, OpenIntent>();
    const queue = [start];
    while (queue.length > 0) {
      const subUserId = queue.pop()!;
      if (groupSubUsers.has(subUserId)) continue;
      groupSubUsers.add(subUserId);
      seenSubUsers.add(subUserId);
      for (const intent of edges.get(subUserId) ?? []) {
        if (groupIntents.has(intent.id)) continue;
        groupIntents.set(intent.id, intent);
        for (const [other, linked] of edges) {
          if (!groupSubUsers.has(other) && linked.some((candidate) => candidate.id === intent.id))
            queue.push(other);
        }
      }
    }
    const subUsers = [...groupSubUsers]
      .map((id) => subUsersById.get(id)!)
      .sort((a, b) => createdTime(a) - createdTime(b));
    const groupIntentList = [...groupIntents.values()].sort(
      (a, b) => a.startedAt.getTime() - b.startedAt.getTime(),
    );
    const pairs = Math.min(subUsers.length, groupIntentList.length);
    for (let i = 0; i < pairs; i += 1)
      plan.completions.push({ intentId: groupIntentList[i].id, subUser: subUsers[i] });
    plan.adoptions.push(...subUsers.slice(pairs));
    if (subUsers.length > 1 || groupIntentList.length > 1) {
      plan.ambiguous.push({
        intentIds: groupIntentList.map((intent) => intent.id),
        providerSubUserIds: subUsers.map((subUser) => subUser.providerSubUserId),
      });
    }
  }
  return plan;
}
