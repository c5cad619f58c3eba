import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { parseEncryptionKeys } from '../../apps/gateway/src/config/gateway-config';
import { SecretBox } from '../../apps/gateway/src/crypto/secret-box';
import { RunningGateway, TEST_ENCRYPTION_KEYS, startTestGateway } from '../support/gateway';
import { migratedEmbeddedFolderUrl, usingPostgres } from '../support/test-database';
import { admin, prismaOf } from '../access/access-helpers';

const root = resolve(__dirname, '../..');
const NEW_KEY = `rotated:${Buffer.alloc(32, 9).toString('base64')}`;

/** `npm run keys:reseal` as a process; resolves with its exit code and output. */
function reseal(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  const child = spawn(process.execPath, ['scripts/keys-reseal.js'], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

function boxFor(raw: string): SecretBox {
  const { keys, activeKeyId } = parseEncryptionKeys(raw);
  return new SecretBox({
    security: {
      adminKey: undefined,
      encryptionKeys: keys,
      activeKeyId,
      metricsToken: undefined,
      inboundRateLimitPerMinute: 0,
    },
  });
}

describe('rotating ENCRYPTION_KEYS with npm run keys:reseal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sgw-reseal-'));
  const started: RunningGateway[] = [];

  afterAll(async () => {
    for (const gateway of started) await gateway.app.close().catch(() => undefined);
    await started[0]?.database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-seals provider keys and sealed answers so the old key can be dropped', async () => {
    // Before: everything sealed with the old key (TEST_ENCRYPTION_KEYS).
    const embedded = usingPostgres() ? null : migratedEmbeddedFolderUrl(join(dataDir, 'pglite'));
    const before = await startTestGateway(embedded ? { DATABASE_URL: embedded } : {});
    started.push(before);
    const databaseUrl = embedded ?? before.database.url;
    const idempotencyKey = randomUUID();
    const body = { name: 'created-before-rotation', scopes: ['sub-users:read'] };
    const created = await request(before.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('idempotency-key', idempotencyKey)
      .send(body)
      .expect(201);
    const oldBox = boxFor(TEST_ENCRYPTION_KEYS);
    for (const name of ['reseal-a', 'reseal-b']) {
      const sealed = oldBox.seal(`provider-secret-${name}`);
      await prismaOf(before).providerAccount.create({
        data: {
          id: randomUUID(),
          provider: 'webshare',
          name,
          baseUrl: 'https://proxy.webshare.io/api/v2',
          apiKeyCiphertext: sealed.ciphertext,
          apiKeyKeyId: sealed.keyId,
        },
      });
    }
    const webhookSecret = oldBox.seal('whsec_signing_secret');
    await prismaOf(before).webhookEndpoint.create({
      data: {
        id: randomUUID(),
        url: 'https://hooks.example.com/sgw',
        eventTypes: [],
        secretCiphertext: webhookSecret.ciphertext,
        secretKeyId: webhookSecret.keyId,
      },
    });
    await before.app.close();

    // The embedded database is found through DATA_DIR, PostgreSQL through DATABASE_URL.
    const where: Record<string, string> = usingPostgres()
      ? { DATABASE_URL: databaseUrl }
      : { DATA_DIR: dataDir };
    const rotation = { ...where, ENCRYPTION_KEYS: `${NEW_KEY},${TEST_ENCRYPTION_KEYS}` };
    const first = await reseal(rotation);
    expect({ code: first.code, lines: first.output.trim().split('\n').slice(1) }).toEqual({
      code: 0,
      lines: [
        'provider_accounts.api_key_ciphertext: 2 re-sealed, 0 already under "rotated", 0 could not be opened',
        'idempotency_records.response_body: 1 re-sealed, 0 already under "rotated", 0 could not be opened',
        'webhook_endpoints.secret_ciphertext: 1 re-sealed, 0 already under "rotated", 0 could not be opened',
        'webhook_endpoints.previous_secret_ciphertext: 0 re-sealed, 0 already under "rotated", 0 could not be opened',
      ],
    });
    const again = await reseal(rotation);
    expect({ code: again.code, lines: again.output.trim().split('\n').slice(1) }).toEqual({
      code: 0,
      lines: [
        'provider_accounts.api_key_ciphertext: 0 re-sealed, 2 already under "rotated", 0 could not be opened',
        'idempotency_records.response_body: 0 re-sealed, 1 already under "rotated", 0 could not be opened',
        'webhook_endpoints.secret_ciphertext: 0 re-sealed, 1 already under "rotated", 0 could not be opened',
        'webhook_endpoints.previous_secret_ciphertext: 0 re-sealed, 0 already under "rotated", 0 could not be opened',
      ],
    });

    // After: the gateway runs with the new key alone and still opens everything.
    const after = await startTestGateway({ DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: NEW_KEY });
    started.push(after);
    const replay = await request(after.url)
      .post('/v1/api-keys')
      .set(admin)
      .set('idempotency-key', idempotencyKey)
      .send(body)
      .expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(created.body);
    const rows = await prismaOf(after).providerAccount.findMany({
      where: { name: { in: ['reseal-a', 'reseal-b'] } },
      orderBy: { name: 'asc' },
    });
    const newBox = boxFor(NEW_KEY);
    expect(rows.map((row) => newBox.open(row.apiKeyCiphertext, row.apiKeyKeyId))).toEqual([
      'provider-secret-reseal-a',
      'provider-secret-reseal-b',
    ]);
    const [endpoint] = await prismaOf(after).webhookEndpoint.findMany();
    expect(newBox.open(endpoint.secretCiphertext, endpoint.secretKeyId)).toBe('whsec_signing_secret');
  });

  it('refuses to run without ENCRYPTION_KEYS, naming it', async () => {
    const run = await reseal({ DATA_DIR: dataDir, ENCRYPTION_KEYS: '' });
    expect({ code: run.code, output: run.output.trim() }).toEqual({
      code: 1,
      output: 'ENCRYPTION_KEYS must list the new key first and every older key after it',
    });
  });
});
