import { existsSync } from 'node:fs';

/**
 * A `.env` file in the working folder (see .env.example) fills in the variables that are not set
 * already: a variable set in the environment wins over the file, as operators expect. Read by
 * the gateway at start and by the maintenance scripts, so both see the same configuration.
 */
export function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}
