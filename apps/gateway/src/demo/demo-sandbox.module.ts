import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { RunningSandbox, startSandbox } from '@app/sandbox';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';

/**
 * Demo mode (`SANDBOX=true`, the default of `npm start`): the provider sandbox runs inside the
 * gateway's process, so Swagger UI works end to end with no provider account of one's own.
 */
@Injectable()
export class DemoSandbox implements OnApplicationShutdown {
  private readonly logger = new Logger('DemoSandbox');

  constructor(readonly running: RunningSandbox | null) {}

  static async start(config: GatewayConfig): Promise<DemoSandbox> {
    if (!config.sandbox.enabled) return new DemoSandbox(null);
    const running = await startSandbox({ ...config.sandbox.options, port: config.sandbox.port });
    new Logger('DemoSandbox').log(
      `Provider sandbox (simulated Webshare and ProxyHat) on ${running.url} — not real providers`,
    );
    return new DemoSandbox(running);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    await this.running.close();
    this.logger.log('Provider sandbox closed');
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DemoSandbox,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => DemoSandbox.start(config),
    },
  ],
  exports: [DemoSandbox],
})
export class DemoSandboxModule {}
