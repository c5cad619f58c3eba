import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type RunningSandbox, sandboxOptionsFromEnv, startSandbox } from '@app/sandbox';
import { GatewayAppOptions, createGatewayApp } from '../../apps/gateway/src/app.factory';
import { GatewayConfig, loadGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { TestDatabase, createTestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'sgw_test_admin_key_0123456789abcdef';
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;
/** Tests reach the sandbox and their webhook receivers on loopback, which only an allowlist permits. */
export const TEST_HOST_ALLOWLIST = '127.0.0.1,localhost,[::1]';

export interface RunningGateway {
  app: NestFastifyApplication;
  config: GatewayConfig;
  url: string;
  database: TestDatabase;
  /** The provider sandbox started beside it (env SANDBOX=true), as the demo does. */
  sandbox: RunningSandbox | null;
  close(): Promise<void>;
}

/**
 * Starts the whole gateway in-process on a random port against a fresh test database. With
 * `SANDBOX: 'true'` in `env` (see SANDBOX_ENV) a provider sandbox is started beside it, from the
 * same SANDBOX_* variables, and the gateway is pointed at it through SANDBOX_URL, as in the demo.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: GatewayAppOptions = {},
): Promise<RunningGateway> {
  const database = await createTestDatabase();
  const { SANDBOX: withSandbox, ...gatewayEnv } = env;
  let sandbox: RunningSandbox | null = null;
  try {
    if (withSandbox === 'true') {
      sandbox = await startSandbox({ ...sandboxOptionsFromEnv(env), port: 0, host: '127.0.0.1' });
      gatewayEnv.SANDBOX_URL = sandbox.url;
    }
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      PORT: '0',
      PROVIDER_HOST_ALLOWLIST: TEST_HOST_ALLOWLIST,
      ...gatewayEnv,
    });
    const app = await createGatewayApp(config, options);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      config,
      url,
      database,
      sandbox,
      close: async () => {
        await app.close();
        await sandbox?.close();
        await database.drop();
      },
    };
  } catch (error) {
    await sandbox?.close();
    await database.drop();
    throw error;
  }
}

/**
 * Env for a gateway with a provider sandbox beside it (accounts webshare-, proxyhat-, iproyal-sandbox).
 * The usage sampler is off: its pass (a sync of every account, every 300 s outside production)
 * would make provider calls no request asked for in a test that runs long enough, and tests count
 * provider calls (the usage tests run its pass themselves).
 */
export const SANDBOX_ENV: Record<string, string> = {
  SANDBOX: 'true',
  SANDBOX_RATE_LIMITS: 'off',
  UPSTREAM_RATE_LIMIT: 'false',
  USAGE_SAMPLE_INTERVAL_SECONDS: '0',
};

/** The sandbox of a gateway started with SANDBOX_ENV. */
export function sandboxOf(gateway: RunningGateway): RunningSandbox {
  if (!gateway.sandbox) throw new Error('the gateway was started without SANDBOX=true');
  return gateway.sandbox;
}
