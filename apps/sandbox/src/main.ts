import { sandboxOptionsFromEnv } from './config';
import { startSandbox } from './server';

/** Standalone sandbox: env SANDBOX_* plus `--seed-webshare N --seed-proxyhat N --seed-iproyal N`. */
async function main(): Promise<void> {
  const options = sandboxOptionsFromEnv(process.env, process.argv.slice(2));
  const sandbox = await startSandbox(options);
  const config = sandbox.control.config();
  console.log(`Provider sandbox listening on ${sandbox.url}`);
  console.log(`  Webshare: ${sandbox.webshareBaseUrl}/api/v2/subuser/  (Authorization: Token <key>)`);
  console.log(`  ProxyHat: ${sandbox.proxyhatBaseUrl}/sub-users  (Authorization: Bearer <key>)`);
  console.log(`  IPRoyal:  ${sandbox.iproyalBaseUrl}/residential-subusers  (Authorization: Bearer <key>)`);
  console.log(`  Admin:    ${sandbox.url}/__sandbox/{reset,seed,config,faults,calls,state,accounts,traffic}`);
  console.log(
    `  keys: webshare=${config.webshareKeys.join(',')} proxyhat=${config.proxyhatKeys.join(',')} ` +
      `iproyal=${config.iproyalKeys.join(',')} (${config.iproyalBalanceGb} GB each); ` +
      `rate limits ${config.rateLimits.webshare.enabled ? 'on' : 'off'}; latency ${config.latencyMs}ms`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}, closing the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Sandbox failed to start:', error);
  process.exit(1);
});
