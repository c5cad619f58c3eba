export const IDEMPOTENT = 'sgw:idempotent';

export interface IdempotentOptions {
  /** The answer holds a secret (a generated password, an API key): store it encrypted. */
  sealResponse?: boolean;
}
