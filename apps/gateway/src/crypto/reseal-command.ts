import { existsSync } from 'node:fs';
import { describeDatabaseTarget } from '@app/persistence';
import { ConfigError, databaseTargetOf, parseEncryptionKeys } from '../config/gateway-config';
import { ResealOptions, resealAll } from './reseal';
import { SecretBox } from './secret-box';
import { openSqlSession } from './sql-session';

type Env = Record<string, string | undefined>;

/**
 * `npm run keys:reseal [-- --batch-size N --max-batches N]`: re-seals every stored secret with the
 * first key of ENCRYPTION_KEYS, on DATABASE_URL or the embedded database in DATA_DIR. Prints one
 * line per sealed column; the exit code is 1 when any value could not be opened (its key is not
 * listed), so the old key must not be dropped yet.
 */
export async function resealCommand(
  env: Env,
  args: string[],
  print = (line: string) => console.log(line),
): Promise<number> {
  const options = parseArgs(args);
  const { keys, activeKeyId } = parseEncryptionKeys(env.ENCRYPTION_KEYS?.trim() || undefined);
  if (!activeKeyId) {
    throw new ConfigError('ENCRYPTION_KEYS', 'must list the new key first and every older key after it');
  }
  const target = databaseTargetOf(env);
  if (target.kind === 'pglite' && (target.dataDir === null || !existsSync(target.dataDir))) {
    throw new ConfigError('DATABASE_URL', `finds no embedded database (${describeDatabaseTarget(target)})`);
  }
  const box = SecretBox.withKeys(keys, activeKeyId);
  const session = await openSqlSession(target);
  try {
    print(`Re-sealing with key "${activeKeyId}" in ${describeDatabaseTarget(target)}`);
    const report = await resealAll(session, box, options);
    let failed = 0;
    for (const [column, counts] of Object.entries(report)) {
      failed += counts.failed;
      print(
        `${column}: ${counts.resealed} re-sealed, ${counts.alreadyCurrent} already under "${activeKeyId}", ` +
          `${counts.failed} could not be opened`,
      );
    }
    if (failed > 0)
      print('Some values are sealed with a key that is not in ENCRYPTION_KEYS: keep the old keys.');
    return failed > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}

function parseArgs(args: string[]): ResealOptions {
  const options: ResealOptions = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, raw] = [args[i], args[i + 1]];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new ConfigError(flag, `needs a whole number of at least 1 (got "${raw}")`);
    if (flag === '--batch-size') options.batchSize = value;
    else if (flag === '--max-batches') options.maxBatches = value;
    else throw new ConfigError(flag, 'is not an option (use --batch-size N, --max-batches N)');
  }
  return options;
}
