// The sandbox's own speed, which tests no longer assert (a test that fails on a slow machine proves
// nothing about the code): seeding 10,000 sub-users per provider, and closing while requests are
// held open by timeout faults. Targets: each seed < 1 s, close < 1 s.
//   node -r ./scripts/ts-register.js bench/sandbox.bench.ts
// Env: BENCH_SEED (default 10000). Writes bench/results/sandbox.json; exit code 1 over a target.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@app/sandbox';

const COUNT = Number(process.env.BENCH_SEED ?? 10_000);
const TARGET_MS = 1000;
const RESULTS = join(__dirname, 'results', 'sandbox.json');

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
  const seedMs: Record<string, number> = {};
  for (const provider of ['webshare', 'proxyhat', 'iproyal'] as const) {
    sandbox.control.reset();
    const started = process.hrtime.bigint();
    sandbox.control.seed({ provider, count: COUNT });
    seedMs[provider] = Number(process.hrtime.bigint() - started) / 1e6;
  }
  // Five requests held open by a timeout fault, then close().
  sandbox.control.addFault({ provider: 'webshare', mode: 'timeout-before' });
  const held = Array.from({ length: 5 }, () =>
    fetch(`${sandbox.webshareBaseUrl}/api/v2/subuser/`, {
      headers: { authorization: 'Token ws-sandbox-key' },
    }).catch(() => 'cut off'),
  );
  while ((sandbox.control.calls()['webshare.list'] ?? 0) < held.length) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const closing = process.hrtime.bigint();
  await sandbox.close();
  const closeMs = Number(process.hrtime.bigint() - closing) / 1e6;
  await Promise.all(held);

  const over = [
    ...Object.entries(seedMs)
      .filter(([, ms]) => ms >= TARGET_MS)
      .map(([provider]) => `seed ${provider}`),
    ...(closeMs >= TARGET_MS ? ['close'] : []),
  ];
  const run = {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    node: process.version,
    count: COUNT,
    seedMs,
    closeWithHeldRequestsMs: closeMs,
    targetMs: TARGET_MS,
    overTarget: over,
  };
  writeFileSync(RESULTS, `${JSON.stringify(run, null, 2)}\n`);
  console.log(
    `sandbox: seed ${COUNT} ${Object.entries(seedMs)
      .map(([provider, ms]) => `${provider} ${ms.toFixed(0)} ms`)
      .join(', ')}; close with held requests ${closeMs.toFixed(0)} ms; target < ${TARGET_MS} ms each`,
  );
  if (over.length > 0) {
    console.error(`over target: ${over.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
