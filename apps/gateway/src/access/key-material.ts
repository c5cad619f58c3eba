import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'sgw_';

/** A new API key: `sgw_` + 32 random bytes, base64url. Shown once, never stored. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A short, non-secret part shown in lists so people can tell keys apart: `sgw_` and 8 random
 * characters (48 of 256 bits). For an operator-chosen key, at most a quarter of it.
 */
export function displayPrefix(key: string): string {
  if (key.startsWith(KEY_PREFIX) && key.length >= KEY_PREFIX.length + 40)
    return key.slice(0, KEY_PREFIX.length + 8);
  return key.slice(0, Math.min(8, Math.floor(key.length / 4)));
}
