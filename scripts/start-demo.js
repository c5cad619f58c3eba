#!/usr/bin/env node
// `npm start`: the demo. The provider sandbox (simulated Webshare, ProxyHat and IPRoyal) starts
// in this process beside the gateway, which knows it only by its URL (SANDBOX_URL) and registers
// its accounts: the gateway itself holds no demo code. Embedded database in ./data/pglite,
// Swagger UI at http://localhost:3000/docs. DEMO_FROM_SOURCE=1 runs the TypeScript sources
// (tests) instead of the build in dist/.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const fromSource = process.env.DEMO_FROM_SOURCE === '1';
if (fromSource) require('./ts-register');
const sandboxEntry = fromSource
  ? path.join(root, 'apps/sandbox/src/index.ts')
  : path.join(root, 'dist/apps/sandbox/index.js');
const gatewayEntry = fromSource
  ? path.join(root, 'apps/gateway/src/main.ts')
  : path.join(root, 'dist/apps/gateway/apps/gateway/src/main.js');

async function main() {
  process.env.NODE_ENV ??= 'development';
  if (process.env.NODE_ENV === 'production') {
    throw new Error('the demo (sandbox providers, generated secrets) does not run with NODE_ENV=production');
  }
  const { startSandbox, sandboxOptionsFromEnv } = require(sandboxEntry);
  const options = sandboxOptionsFromEnv(process.env);
  const sandbox = await startSandbox({ ...options, host: '127.0.0.1' });
  process.env.SANDBOX_URL = sandbox.url;
  // The demo's provider accounts live on loopback, which only an allowlist permits.
  const allowlist = (process.env.PROVIDER_HOST_ALLOWLIST ?? '').split(',').filter(Boolean);
  process.env.PROVIDER_HOST_ALLOWLIST = [...new Set([...allowlist, '127.0.0.1'])].join(',');
  console.log(`Provider sandbox (simulated providers, not real ones) on ${sandbox.url}`);
  require(gatewayEntry);
}

main().catch((error) => {
  console.error(`Demo failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
