import { TEST_ADMIN_KEY, TEST_ENCRYPTION_KEYS } from './gateway';
import { GatewayProcess, startGatewayProcess, waitForHttp } from './process';

/**
 * The gateway as its own process (so a test can SIGKILL it and start it again on the same
 * database), on a loopback port, against a sandbox on loopback; resolves once /health/ready is 200.
 */
export async function startReadyGatewayProcess(options: {
  port: number;
  databaseUrl: string;
  sandboxUrl: string;
}): Promise<GatewayProcess> {
  const child = startGatewayProcess({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    DATABASE_URL: options.databaseUrl,
    GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    SANDBOX_URL: options.sandboxUrl,
    PROVIDER_HOST_ALLOWLIST: '127.0.0.1',
    UPSTREAM_RATE_LIMIT: 'false',
    USAGE_SAMPLE_INTERVAL_SECONDS: '0',
  });
  const ready = await waitForHttp(`http://127.0.0.1:${options.port}/health/ready`, 90_000);
  if (ready.status !== 200) {
    child.child.kill('SIGKILL');
    throw new Error(`the gateway process answered /health/ready with ${ready.status}:\n${child.output()}`);
  }
  return child;
}
