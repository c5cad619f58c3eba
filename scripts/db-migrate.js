#!/usr/bin/env node
// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded
// database in DATA_DIR/pglite), exactly as the gateway does when it starts.
require('./ts-register');
const { describeDatabaseTarget } = require('../libs/persistence/src/database-target.ts');
const { openDatabase } = require('../libs/persistence/src/database.ts');
const { loadDotEnv } = require('../apps/gateway/src/config/dotenv.ts');
const { databaseTargetOf } = require('../apps/gateway/src/config/gateway-config.ts');

async function main() {
  loadDotEnv();
  let target;
  try {
    // The same database the gateway would use with this environment.
    target = databaseTargetOf(process.env);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  const database = await openDatabase(target, { poolSize: 1 });
  try {
    const applied = await database.migrate();
    console.log(
      applied.length
        ? `Applied ${applied.length} migration(s) to ${describeDatabaseTarget(target)}: ${applied.join(', ')}`
        : `${describeDatabaseTarget(target)} is up to date`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
