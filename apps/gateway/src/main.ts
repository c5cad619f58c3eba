import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { ConfigError, GatewayConfig, loadGatewayConfig } from './config/gateway-config';
import { ensureDemoSecrets } from './config/demo-secrets';
import { loadDotEnv } from './config/dotenv';
import { createGatewayApp } from './app.factory';

function readConfig(): GatewayConfig {
  loadDotEnv();
  try {
    return loadGatewayConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line that names the variable and what is wrong, then exit 1.
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const { generatedAdminKey } = ensureDemoSecrets(config);
  const app = await createGatewayApp(config);
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl())
    .replace('[::1]', 'localhost')
    .replace('127.0.0.1', 'localhost')
    .replace('0.0.0.0', 'localhost');
  const logger = new Logger('Gateway');
  installShutdown(app, config, logger);
  logger.log(`Sub-user gateway listening on ${url} — Swagger UI at ${url}/docs`);
  if (generatedAdminKey) {
    // Printed once, on the start that generated it; it stays in the data folder (mode 0600).
    process.stdout.write(
      `\n  DEMO CONVENIENCE — admin API key generated for this machine (kept in ${config.dataDir}/admin-key):\n  ${generatedAdminKey}\n  Production refuses to start without GATEWAY_ADMIN_KEY.\n\n`,
    );
  }
}

async function drainThenClose(app: INestApplication): Promise<void> {
  await (app.getHttpAdapter().getInstance() as { close(): Promise<void> }).close();
  await app.close();
}

/**
 * SIGTERM/SIGINT: stop taking requests, let in-flight ones finish, run the shutdown hooks (jobs,
 * sandbox, database), then exit 0; give up after SHUTDOWN_TIMEOUT_MS with exit 1.
 */
function installShutdown(app: INestApplication, config: GatewayConfig, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining and shutting down`);
    const timer = setTimeout(() => {
      process.stderr.write(`Shutdown took longer than ${config.http.shutdownTimeoutMs} ms; exiting\n`);
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    timer.unref();
    // Fastify's close stops accepting and waits for in-flight requests; then the hooks stop
    // jobs and close drivers, the sandbox and the database.
    void drainThenClose(app).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
