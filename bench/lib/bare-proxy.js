// The least any gateway costs: Fastify + @fastify/http-proxy forwarding every request to the sandbox
// (undici keep-alive upstream pool, no auth, no validation, no database). Started by the overhead
// scenario as its own process, pinned to the gateway's core.
'use strict';

const fastify = require('fastify');
const proxy = require('@fastify/http-proxy');

async function main() {
  const port = Number(process.env.BARE_PROXY_PORT ?? 4090);
  const upstream = process.env.BARE_PROXY_UPSTREAM ?? 'http://127.0.0.1:4010';
  const app = fastify({ logger: false });
  app.get('/__bare-proxy/health', async () => ({ ok: true }));
  await app.register(proxy, { upstream });
  await app.listen({ port, host: '127.0.0.1' });
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`bare proxy failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
