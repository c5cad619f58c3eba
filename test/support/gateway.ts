import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayAppOptions, createGatewayApp } from '../../apps/gateway/src/app.factory';
import { DemoSandbox } from '../../apps/gateway/src/demo/demo-sandbox.module';
import type { RunningSandbox } from '@app/sandbox';
import { GatewayConfig, loadGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { TestDatabase, createTestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'sgw_test_admin_key_0123456789abcdef';
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;

export interface RunningGateway {
  app: NestFastifyApplication;
  config: GatewayConfig;
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Starts the whole gateway in-process on a random port against a fresh test database. */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: GatewayAppOptions = {},
): Promise<RunningGateway> {
  const database = await createTestDatabase();
  try {
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    });
    const app = await createGatewayApp(config, options);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      config,
      url,
      database,
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** Env for a gateway with the provider sandbox in-process (accounts webshare-sandbox, proxyhat-sandbox). */
export const SANDBOX_ENV: Record<string, string> = {
  SANDBOX: 'true',
  SANDBOX_PORT: '0',
  SANDBOX_RATE_LIMITS: 'off',
  UPSTREAM_RATE_LIMIT: 'false',
};

/** The in-process sandbox of a gateway started with SANDBOX_ENV. */
export function sandboxOf(gateway: RunningGateway): RunningSandbox {
  const running = gateway.app.get(DemoSandbox).running;
  if (!running) throw new Error('the gateway was started without SANDBOX=true');
  return running;
}
