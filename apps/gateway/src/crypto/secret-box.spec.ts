import { parseEncryptionKeys } from '../config/gateway-config';
import { SecretBox, SecretBoxError } from './secret-box';

const KEY_A = `a:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_B = `b:${Buffer.alloc(32, 2).toString('base64')}`;

function boxFor(raw: string | undefined): SecretBox {
  const { keys, activeKeyId } = parseEncryptionKeys(raw);
  return SecretBox.withKeys(keys, activeKeyId);
}

describe('SecretBox', () => {
  it('seals with the active key and opens again', () => {
    const box = boxFor(KEY_A);
    const sealed = box.seal('proxy-password-123');
    expect(sealed.keyId).toBe('a');
    expect(sealed.ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed.ciphertext).not.toContain('proxy-password-123');
    expect(box.open(sealed.ciphertext, sealed.keyId)).toBe('proxy-password-123');
  });

  it('uses a fresh IV each time', () => {
    const box = boxFor(KEY_A);
    expect(box.seal('same').ciphertext).not.toBe(box.seal('same').ciphertext);
  });

  it('refuses tampered data, tag or IV', () => {
    const box = boxFor(KEY_A);
    const { ciphertext, keyId } = box.seal('secret value');
    const parts = ciphertext.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      expect(() => box.open(tampered.join('.'), keyId)).toThrow(SecretBoxError);
    }
    expect(() => box.open('v2.x.y.z', keyId)).toThrow(SecretBoxError);
  });

  it('keeps opening old secrets after rotation while new seals use the new key', () => {
    const sealedWithA = boxFor(KEY_A).seal('old secret');
    const rotated = boxFor(`${KEY_B},${KEY_A}`);
    expect(rotated.open(sealedWithA.ciphertext, sealedWithA.keyId)).toBe('old secret');
    const sealedWithB = rotated.seal('new secret');
    expect(sealedWithB.keyId).toBe('b');
    expect(rotated.activeKeyId).toBe('b');
    expect(rotated.open(sealedWithB.ciphertext, 'b')).toBe('new secret');
  });

  it('names an unknown key id without revealing anything sealed', () => {
    const sealed = boxFor(KEY_A).seal('top secret');
    const other = boxFor(KEY_B);
    expect(() => other.open(sealed.ciphertext, sealed.keyId)).toThrow(/key "a" is not configured/);
    // Opening with the wrong key fails authentication, never returns garbage.
    expect(() => other.open(sealed.ciphertext, 'b')).toThrow(SecretBoxError);
    try {
      other.open(sealed.ciphertext, 'b');
    } catch (error) {
      expect((error as Error).message).not.toContain('top secret');
    }
  });

  it('explains a missing configuration instead of sealing with nothing', () => {
    const box = boxFor(undefined);
    expect(box.canSeal).toBe(false);
    expect(() => box.seal('x')).toThrow(/ENCRYPTION_KEYS/);
  });
});
