import type { ProviderSubUser } from './sub-user';

/**
 * What a provider will hold after a create, in normalized fields, once the provider has applied
 * its own transformations to what it was sent (a trimmed label, a limit rounded to its unit and
 * back). Only the fields the create set; an absent field is not compared.
 *
 * No provider takes an idempotency token, so when a create's answer is lost the gateway looks for
 * the sub-user it made in a later listing: a candidate must hold exactly this echo. Each driver
 * builds it (`expectedEcho`), because only the driver knows what its provider changes.
 */
export interface SubUserEcho {
  name?: string | null;
  notes?: string | null;
  /** Compared with `traffic.limitBytes`. */
  trafficLimitBytes?: number | null;
  maxConcurrency?: number | null;
  countries?: Record<string, number> | null;
  groupId?: string | null;
  proxyUsername?: string | null;
  /**
   * Compared with `revealedPassword` where the provider's answer reveals one. Held in memory for
   * the comparison only: never store an echo that carries it.
   */
  proxyPassword?: string;
}

/** The fields of a sub-user an echo is compared with. */
export type EchoCandidate = Pick<
  ProviderSubUser,
  | 'name'
  | 'notes'
  | 'traffic'
  | 'maxConcurrency'
  | 'countries'
  | 'groupId'
  | 'proxyUsername'
  | 'revealedPassword'
>;

export type EchoField = keyof SubUserEcho;

/**
 * The echo's fields the candidate does not hold, in a stable order. Names only, never values:
 * the list may be logged or audited, and a value could be a password.
 */
export function echoMismatches(echo: SubUserEcho, candidate: EchoCandidate): EchoField[] {
  const mismatches: EchoField[] = [];
  const differs = (field: EchoField, held: unknown): void => {
    const expected = echo[field];
    if (expected !== undefined && expected !== held) mismatches.push(field);
  };
  differs('name', candidate.name);
  differs('notes', candidate.notes);
  differs('trafficLimitBytes', candidate.traffic.limitBytes);
  differs('maxConcurrency', candidate.maxConcurrency);
  if (echo.countries !== undefined && !sameCountries(echo.countries, candidate.countries)) {
    mismatches.push('countries');
  }
  differs('groupId', candidate.groupId);
  differs('proxyUsername', candidate.proxyUsername);
  // An answer without the password can neither confirm nor refute it: only a different one refutes.
  if (
    echo.proxyPassword !== undefined &&
    candidate.revealedPassword !== undefined &&
    echo.proxyPassword !== candidate.revealedPassword
  ) {
    mismatches.push('proxyPassword');
  }
  return mismatches;
}

/** Whether `candidate` holds everything `echo` expects (see {@link echoMismatches}). */
export function echoMatches(echo: SubUserEcho, candidate: EchoCandidate): boolean {
  return echoMismatches(echo, candidate).length === 0;
}

/** Country maps are equal when they hold the same counts, whatever the key order. */
function sameCountries(
  expected: Record<string, number> | null,
  held: Record<string, number> | null,
): boolean {
  if (expected === null || held === null) return expected === held;
  const expectedKeys = Object.keys(expected);
  if (expectedKeys.length !== Object.keys(held).length) return false;
  return expectedKeys.every((code) => Object.hasOwn(held, code) && held[code] === expected[code]);
}
