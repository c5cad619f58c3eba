#!/usr/bin/env node
// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded
// database in ./data/pglite), exactly as the gateway does when it starts.
require('./ts-register');
const {
  resolveDatabaseTarget,
  describeDatabaseTarget,
} = require('../libs/persistence/src/database-target.ts');
const { openDatabase } = require('../libs/persistence/src/database.ts');

async function main() {
  let target;
  try {
    target = resolveDatabaseTarget(process.env.DATABASE_URL);
  } catch (error) {
    console.error(`DATABASE_URL ${error.message}`);
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
