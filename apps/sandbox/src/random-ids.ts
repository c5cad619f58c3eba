import { createHash, randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';

export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export function randomLowercase(length: number): string {
  return randomString(length, LOWERCASE);
}

export function newUuid(): string {
  return randomUUID();
}

/** A v4-shaped UUID derived from `seed`, so seeded data is the same on every run. */
export function deterministicUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Deterministic lowercase/digit string derived from `seed`. */
export function deterministicString(seed: string, length: number): string {
  const digest = createHash('sha1').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[digest[i % digest.length] % ALPHANUMERIC.length];
  return out;
}
