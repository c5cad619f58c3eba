#!/usr/bin/env node
// The committed API contract. `npm run openapi:write` boots the gateway from its sources (an
// in-memory database, nothing listening) and writes the document it serves at /docs-json to
// ./openapi.json; `node scripts/openapi.js --check` exits 1 when the two differ (the drift test in
// test/contract does the same comparison against a running gateway).
require('./ts-register');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'openapi.json');

/** The document exactly as a gateway serves it at /docs-json. */
async function servedDocument() {
  const { createGatewayApp } = require('../apps/gateway/src/app.factory.ts');
  const { loadGatewayConfig } = require('../apps/gateway/src/config/gateway-config.ts');
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'pglite:memory://',
    GATEWAY_ADMIN_KEY: 'openapi-writer-admin-key-0123456789',
    ENCRYPTION_KEYS: `w1:${Buffer.alloc(32, 1).toString('base64')}`,
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
  });
  const app = await createGatewayApp(config);
  try {
    await app.init();
    const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    if (answer.statusCode !== 200) throw new Error(`/docs-json answered ${answer.statusCode}`);
    return JSON.parse(answer.body);
  } finally {
    await app.close();
  }
}

/** The file's text: prettier's JSON layout, so `prettier --check .` agrees with it. */
async function render(document) {
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(JSON.stringify(document), { ...options, parser: 'json', filepath: target });
}

async function main() {
  const check = process.argv.includes('--check');
  const text = await render(await servedDocument());
  if (check) {
    const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error('openapi.json differs from the document the gateway serves: run `npm run openapi:write`');
      process.exit(1);
    }
    console.log('openapi.json matches the served document');
    return;
  }
  fs.writeFileSync(target, text);
  console.log(`Wrote ${path.relative(process.cwd(), target)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
