import { randomUUID } from 'node:crypto';
import { parseEncryptionKeys } from '../config/gateway-config';
import { ResealCounts, resealAll } from './reseal';
import { SealedColumn } from './sealed-columns';
import { SecretBox } from './secret-box';
import { ClosableSqlSession, openSqlSession } from './sql-session';
import { resolveDatabaseTarget } from '@app/persistence';
import { blankEmbeddedUrl } from '../../../../test/support/test-database';

const OLD = `old:${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `new:${Buffer.alloc(32, 2).toString('base64')}`;
const GONE = `gone:${Buffer.alloc(32, 3).toString('base64')}`;

function boxFor(raw: string): SecretBox {
  const { keys, activeKeyId } = parseEncryptionKeys(raw);
  return SecretBox.withKeys(keys, activeKeyId);
}

// The gateway's two sealed columns, and a nullable pair as a webhook secret would be: one more line.
const COLUMNS: SealedColumn[] = [
  { kind: 'pair', table: 'provider_accounts', ciphertext: 'api_key_ciphertext', keyId: 'api_key_key_id' },
  { kind: 'json', table: 'idempotency_records', column: 'response_body', where: 'response_sealed' },
  {
    kind: 'pair',
    table: 'webhook_endpoints',
    ciphertext: 'previous_secret_ciphertext',
    keyId: 'previous_secret_key_id',
  },
];

describe('resealAll (embedded database)', () => {
  let db: ClosableSqlSession;

  beforeEach(async () => {
    db = await openSqlSession(resolveDatabaseTarget(blankEmbeddedUrl()));
    await db.query(
      'CREATE TABLE provider_accounts (id uuid PRIMARY KEY, api_key_ciphertext text NOT NULL, api_key_key_id text NOT NULL)',
    );
    await db.query(
      'CREATE TABLE idempotency_records (id uuid PRIMARY KEY, response_body text, response_sealed boolean NOT NULL)',
    );
    await db.query(
      'CREATE TABLE webhook_endpoints (id uuid PRIMARY KEY, previous_secret_ciphertext text, previous_secret_key_id text)',
    );
  });
  afterEach(async () => {
    await db.close();
  });

  async function account(box: SecretBox, secret: string): Promise<void> {
    const { ciphertext, keyId } = box.seal(secret);
    await db.query('INSERT INTO provider_accounts VALUES ($1, $2, $3)', [randomUUID(), ciphertext, keyId]);
  }

  async function plaintexts(box: SecretBox): Promise<string[]> {
    const accounts = await db.query<{ c: string; k: string }>(
      'SELECT api_key_ciphertext AS c, api_key_key_id AS k FROM provider_accounts ORDER BY id',
    );
    const answers = await db.query<{ body: string }>(
      'SELECT response_body AS body FROM idempotency_records WHERE response_sealed ORDER BY id',
    );
    return [
      ...accounts.map((row) => box.open(row.c, row.k)),
      ...answers.map((row) => {
        const { keyId, ciphertext } = JSON.parse(row.body) as { keyId: string; ciphertext: string };
        return box.open(ciphertext, keyId);
      }),
    ].sort();
  }

  it('re-seals every value under the first key, in committed batches, and a second run changes nothing', async () => {
    const old = boxFor(OLD);
    for (const secret of ['ws-key-1', 'ph-key-2', 'ip-key-3']) await account(old, secret);
    await account(boxFor(NEW), 'already-new');
    const sealed = old.seal('{"key":"sgw_created_once"}');
    await db.query(
      'INSERT INTO idempotency_records VALUES ($1, $2, true), ($3, $4, false), ($5, NULL, false)',
      [
        randomUUID(),
        JSON.stringify({ keyId: sealed.keyId, ciphertext: sealed.ciphertext }),
        randomUUID(),
        '{"plain":"not sealed"}',
        randomUUID(),
      ],
    );
    const { ciphertext, keyId } = old.seal('whsec-previous');
    await db.query('INSERT INTO webhook_endpoints VALUES ($1, $2, $3), ($4, NULL, NULL)', [
      randomUUID(),
      ciphertext,
      keyId,
      randomUUID(),
    ]);
    const rotated = boxFor(`${NEW},${OLD}`);

    // Interrupted after one batch of two: what it did stays done.
    const first = await resealAll(db, rotated, { columns: COLUMNS, batchSize: 2, maxBatches: 1 });
    expect(first['provider_accounts.api_key_ciphertext']).toEqual<ResealCounts>({
      resealed: 2,
      alreadyCurrent: 1,
      failed: 0,
    });
    // Run again: it resumes with what is left.
    const second = await resealAll(db, rotated, { columns: COLUMNS, batchSize: 2 });
    expect(second).toEqual<Record<string, ResealCounts>>({
      'provider_accounts.api_key_ciphertext': { resealed: 1, alreadyCurrent: 3, failed: 0 },
      'idempotency_records.response_body': { resealed: 0, alreadyCurrent: 1, failed: 0 },
      'webhook_endpoints.previous_secret_ciphertext': { resealed: 0, alreadyCurrent: 1, failed: 0 },
    });
    const third = await resealAll(db, rotated, { columns: COLUMNS });
    expect(Object.values(third).map((counts) => counts.resealed)).toEqual([0, 0, 0]);

    // The old key can go: the new one alone opens everything, unchanged.
    expect(await plaintexts(boxFor(NEW))).toEqual(
      ['already-new', 'ip-key-3', 'ph-key-2', 'ws-key-1', '{"key":"sgw_created_once"}'].sort(),
    );
    const unsealed = await db.query<{ body: string | null }>(
      'SELECT response_body AS body FROM idempotency_records WHERE NOT response_sealed ORDER BY response_body',
    );
    expect(unsealed.map((row) => row.body)).toEqual(['{"plain":"not sealed"}', null]);
  });

  it('reports values sealed with a key it was not given, and leaves them as they were', async () => {
    await account(boxFor(GONE), 'sealed-with-a-dropped-key');
    await account(boxFor(OLD), 'openable');
    const report = await resealAll(db, boxFor(`${NEW},${OLD}`), { columns: COLUMNS.slice(0, 1) });
    expect(report).toEqual({
      'provider_accounts.api_key_ciphertext': { resealed: 1, alreadyCurrent: 0, failed: 1 },
    });
    const keys = await db.query<{ k: string }>(
      'SELECT api_key_key_id AS k FROM provider_accounts ORDER BY k',
    );
    expect(keys.map((row) => row.k)).toEqual(['gone', 'new']);
  });
});
