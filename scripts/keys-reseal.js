#!/usr/bin/env node
// `npm run keys:reseal [-- --batch-size N --max-batches N]`: re-encrypts every stored secret
// (provider API keys, sealed idempotent answers) with the first key of ENCRYPTION_KEYS, on
// DATABASE_URL or the embedded database in DATA_DIR (stop the gateway first for that one).
// Safe to run again: rows already under the first key are skipped. See README, "Rotating
// ENCRYPTION_KEYS".
require('./ts-register');
const { loadDotEnv } = require('../apps/gateway/src/config/dotenv.ts');
const { resealCommand } = require('../apps/gateway/src/crypto/reseal-command.ts');

loadDotEnv();
resealCommand(process.env, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
