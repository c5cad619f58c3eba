import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayConfig } from './gateway-config';

/**
 * Demo mode only: a missing admin key and encryption key are generated once into the data
 * folder (mode 0600) and reused on later starts. Production refuses to start without them.
 * Returns the admin key when it was generated just now, so it can be printed once.
 */
export function ensureDemoSecrets(config: GatewayConfig): { generatedAdminKey?: string } {
  if (!config.demo) return {};
  mkdirSync(config.dataDir, { recursive: true });
  let generatedAdminKey: string | undefined;

  if (!config.security.adminKey) {
    const file = join(config.dataDir, 'admin-key');
    if (existsSync(file)) {
      config.security.adminKey = readFileSync(file, 'utf8').trim();
    } else {
      generatedAdminKey = `sgw_admin_${randomBytes(24).toString('base64url')}`;
      writeSecret(file, generatedAdminKey);
      config.security.adminKey = generatedAdminKey;
    }
  }

  if (!config.security.activeKeyId) {
    const file = join(config.dataDir, 'encryption-key');
    let key: Buffer;
    if (existsSync(file)) {
      key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    } else {
      key = randomBytes(32);
      writeSecret(file, key.toString('base64'));
    }
    config.security.encryptionKeys.set('demo', key);
    config.security.activeKeyId = 'demo';
  }
  return { generatedAdminKey };
}

function writeSecret(file: string, value: string): void {
  writeFileSync(file, value + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
