import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type EchoCandidate, type SubUserEcho, canonicalJson, echoMismatches } from '@app/domain';
import type { IntentEvidence } from './ledger';

/** How far before an intent's start a provider's clock may place the created sub-user. */
export const INTENT_CLOCK_SKEW_MS = 60_000;

/** A salted digest of the proxy password a create sent: enough to recognise it, not to recover it. */
export interface PasswordCheck {
  salt: string;
  sha256: string;
}

function digest(salt: string, password: string): string {
  return createHash('sha256').update(`${salt}:${password}`).digest('hex');
}

export function passwordCheckOf(password: string): PasswordCheck {
  const salt = randomBytes(16).toString('hex');
  return { salt, sha256: digest(salt, password) };
}

export function passwordMatches(check: PasswordCheck, password: string): boolean {
  return timingSafeEqual(Buffer.from(digest(check.salt, password)), Buffer.from(check.sha256));
}

/**
 * Whether one provider sub-user could match both the stored intent and a new create: no field
 * set on both sides with different values, and no password known on both sides and different.
 * Such creates could not be told apart if both answers were lost, so the second is refused.
 */
export function indistinguishable(
  stored: Partial<IntentEvidence>,
  next: { echo: Omit<SubUserEcho, 'proxyPassword'>; proxyPassword?: string },
): boolean {
  const a = (stored.echo ?? {}) as Record<string, unknown>;
  const b = next.echo as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (a[field] === undefined || b[field] === undefined) continue;
    if (canonicalJson(a[field]) !== canonicalJson(b[field])) return false;
  }
  if (stored.password && next.proxyPassword !== undefined)
    return passwordMatches(stored.password, next.proxyPassword);
  return true;
}

/**
 * Whether a listed provider sub-user is certainly the one this intent's create made: it holds
 * every field the create sent as the provider transforms it, the password where the listing
 * reveals it, and was created inside the intent's window (provider clocks may lag, and some
 * report whole seconds only).
 */
export function evidenceMatches(
  evidence: Partial<IntentEvidence>,
  window: { startedAt: Date; expiresAt: Date },
  subUser: EchoCandidate & { createdAt: string | null },
): boolean {
  if (!evidence.echo) return false;
  if (echoMismatches(evidence.echo, subUser).length > 0) return false;
  if (evidence.password && subUser.revealedPassword !== undefined) {
    if (!passwordMatches(evidence.password, subUser.revealedPassword)) return false;
  }
  const created = subUser.createdAt ? Date.parse(subUser.createdAt) : NaN;
  if (Number.isNaN(created)) return true;
  return (
    created >= window.startedAt.getTime() - INTENT_CLOCK_SKEW_MS && created <= window.expiresAt.getTime()
  );
}
