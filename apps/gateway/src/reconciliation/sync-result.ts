/** What one account's reconciliation found and did (a sync job's per-account result). */
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

export const COUNT_FIELDS = [
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

export function emptyResult(account: { id: string; name: string; provider: string }): AccountSyncResult {
  return {
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
}
