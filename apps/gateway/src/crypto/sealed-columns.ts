/**
 * Every place a value sealed by SecretBox is stored, for re-sealing under a new key
 * (`npm run keys:reseal`). A new secret column is one more line here. Tables are keyed by a
 * UUID `id`.
 */
export type SealedColumn =
  /** A ciphertext column and the id of the key that sealed it, side by side (nullable or not). */
  | { kind: 'pair'; table: string; ciphertext: string; keyId: string }
  /** A text column holding JSON `{keyId, ciphertext}`, sealed only in rows matching `where`. */
  | { kind: 'json'; table: string; column: string; where: string };

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { kind: 'pair', table: 'provider_accounts', ciphertext: 'api_key_ciphertext', keyId: 'api_key_key_id' },
  { kind: 'json', table: 'idempotency_records', column: 'response_body', where: 'response_sealed' },
  { kind: 'pair', table: 'webhook_endpoints', ciphertext: 'secret_ciphertext', keyId: 'secret_key_id' },
  {
    kind: 'pair',
    table: 'webhook_endpoints',
    ciphertext: 'previous_secret_ciphertext',
    keyId: 'previous_secret_key_id',
  },
];

export function sealedColumnLabel(column: SealedColumn): string {
  return `${column.table}.${column.kind === 'pair' ? column.ciphertext : column.column}`;
}
