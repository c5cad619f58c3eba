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

/** Crockford's base32, the alphabet of ULIDs (no I, L, O, U). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 48-bit millisecond timestamp then 80 bits, 26 characters: the shape of IPRoyal's hashes. */
function ulidFrom(ms: number, entropy: Uint8Array): string {
  let time = '';
  let rest = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  let bits = 0n;
  for (const byte of entropy.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random = CROCKFORD[Number(bits & 31n)] + random;
    bits >>= 5n;
  }
  return time + random;
}

/** A new ULID: its time part keeps increasing and 80 random bits make a repeat practically impossible. */
export function newUlid(ms = Date.now()): string {
  return ulidFrom(ms, randomBytes(10));
}

/** A ULID derived from `seed`, so seeded data is the same on every run. */
export function deterministicUlid(seed: string, ms: number): string {
  return ulidFrom(ms, createHash('sha1').update(seed).digest());
}
