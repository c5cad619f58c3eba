import type { ProviderSubUser } from '@app/domain';
import { type IntentEvidence, evidenceMatches } from '@app/persistence';

export interface OpenIntent {
  id: string;
  evidence: Partial<IntentEvidence>;
  window: { startedAt: Date; expiresAt: Date };
  /** Its create call may still answer (it has not failed, and its window is open). */
  awaitingAnswer?: boolean;
}

export interface IntentPlan {
  /** Intent → the provider sub-user that is certainly its own. */
  completions: { intentId: string; subUser: ProviderSubUser }[];
  /** Unknown sub-users no intent claims: adopted into the default tenant. */
  adoptions: ProviderSubUser[];
  /**
   * Intents whose evidence several sub-users hold (or whose sub-user another intent's evidence
   * also fits): none of them is completed by a guess; the sub-users are adopted and a person decides.
   */
  ambiguous: { intentIds: string[]; subUsers: ProviderSubUser[] }[];
}

/**
 * Pairs unknown provider sub-users with open create intents. A pair is made only when it is
 * certain: the sub-user holds the intent's whole evidence (every field as the provider stores it,
 * the password where the listing reveals it, a creation time inside the window), no other
 * sub-user does, and it fits no other intent. Everything else is adopted, never guessed.
 */
export function planIntents(unknown: ProviderSubUser[], intents: OpenIntent[]): IntentPlan {
  const plan: IntentPlan = { completions: [], adoptions: [], ambiguous: [] };
  const intentsOf = new Map<ProviderSubUser, OpenIntent[]>();
  const candidatesOf = new Map<string, ProviderSubUser[]>();
  for (const subUser of unknown) {
    const fitting = intents.filter((intent) => evidenceMatches(intent.evidence, intent.window, subUser));
    intentsOf.set(subUser, fitting);
    for (const intent of fitting)
      candidatesOf.set(intent.id, [...(candidatesOf.get(intent.id) ?? []), subUser]);
  }
  const settled = new Set<ProviderSubUser>();
  for (const intent of intents) {
    const candidates = candidatesOf.get(intent.id) ?? [];
    if (candidates.length === 0) continue;
    const certain = candidates.length === 1 && intentsOf.get(candidates[0])!.length === 1;
    if (certain) {
      plan.completions.push({ intentId: intent.id, subUser: candidates[0] });
      settled.add(candidates[0]);
    } else {
      plan.ambiguous.push({ intentIds: [intent.id], subUsers: candidates });
    }
  }
  for (const subUser of unknown) if (!settled.has(subUser)) plan.adoptions.push(subUser);
  return plan;
}
