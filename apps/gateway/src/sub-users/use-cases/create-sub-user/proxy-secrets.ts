import { randomInt } from 'node:crypto';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const USERNAME_ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';

function randomFrom(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += alphabet[randomInt(alphabet.length)];
  return text;
}

/** A proxy password the gateway chooses when the provider needs one and the caller gave none. */
export function generateProxyPassword(length = 20): string {
  return randomFrom(PASSWORD_ALPHABET, length);
}

/** A proxy login the gateway chooses where the provider lets the caller pick it (IPRoyal). */
export function generateProxyUsername(): string {
  return `sgw${randomFrom(USERNAME_ALPHABET, 13)}`;
}
