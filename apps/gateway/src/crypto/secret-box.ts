import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

/** Thrown when a secret cannot be sealed or opened; its message never contains the secret. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * AES-256-GCM for secrets kept at rest (provider API keys, sealed idempotent answers).
 * The active key seals; every configured key opens, so keys can be rotated by listing the
 * new key first and keeping the old ones until everything is re-sealed.
 */
@Injectable()
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: string | undefined;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'security'>) {
    this.keys = config.security.encryptionKeys;
    this.active = config.security.activeKeyId;
  }

  /** A box over parsed ENCRYPTION_KEYS, outside the application (the reseal command, tests). */
  static withKeys(
    encryptionKeys: GatewayConfig['security']['encryptionKeys'],
    activeKeyId: GatewayConfig['security']['activeKeyId'],
  ): SecretBox {
    return new SecretBox({
      security: {
        adminKey: undefined,
        encryptionKeys,
        activeKeyId,
        metricsToken: undefined,
        inboundRateLimitPerMinute: 0,
      },
    });
  }

  /** The key id new secrets are sealed with. */
  get activeKeyId(): string {
    if (!this.active || !this.keys.has(this.active)) {
      throw new SecretBoxError('No encryption key is configured (set ENCRYPTION_KEYS)');
    }
    return this.active;
  }

  get canSeal(): boolean {
    return this.active !== undefined && this.keys.has(this.active);
  }

  /** Ciphertext format: `v1.<iv>.<tag>.<data>`, each part base64url. */
  seal(plaintext: string): SealedSecret {
    const keyId = this.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      ciphertext: [
        VERSION,
        iv.toString('base64url'),
        tag.toString('base64url'),
        data.toString('base64url'),
      ].join('.'),
      keyId,
    };
  }

  open(ciphertext: string, keyId: string): string {
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        `Encryption key "${keyId}" is not configured: add it to ENCRYPTION_KEYS to open secrets sealed with it`,
      );
    }
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretBoxError('Sealed secret is not in a known format');
    }
    const iv = Buffer.from(parts[1], 'base64url');
    const tag = Buffer.from(parts[2], 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('Sealed secret is not in a known format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // GCM authentication failed: wrong key or tampered data. Say nothing about the content.
      throw new SecretBoxError(
        `Sealed secret could not be opened with key "${keyId}" (tampered or wrong key)`,
      );
    }
  }
}
