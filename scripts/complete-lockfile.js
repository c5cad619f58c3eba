#!/usr/bin/env node
// `npm run lock:complete` after any `npm install` that changes package-lock.json.
// This registry answers 404 for some non-Linux optional binaries of unrs-resolver (pulled in
// by Jest 30), so `npm install` leaves them out of the lockfile and `npm ci` then refuses the
// lockfile as out of sync. An entry with the package's os/cpu is all `npm ci` needs: it skips
// optional packages for other platforms without downloading them.
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.resolve(__dirname, '../package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = /^@unrs\/resolver-binding-([a-z0-9]+)-([a-z0-9]+)/.exec(name);
    const key = `${location ? location + '/' : ''}node_modules/${name}`;
    if (!match || packages[key] || packages[`node_modules/${name}`]) continue;
    packages[`node_modules/${name}`] = {
      version,
      dev: entry.dev ?? undefined,
      optional: true,
      os: [match[1]],
      cpu: [match[2]],
    };
    added += 1;
  }
}
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(
  added
    ? `Added ${added} platform-only optional entries to package-lock.json`
    : 'package-lock.json is complete',
);
