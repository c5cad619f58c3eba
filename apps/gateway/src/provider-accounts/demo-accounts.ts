import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DemoSandbox } from '../demo/demo-sandbox.module';
import { ProviderAccountsService } from './provider-accounts.service';

/**
 * Demo mode: registers one account per simulated provider (`webshare-sandbox`,
 * `proxyhat-sandbox`, each the default of its provider) so Swagger UI works at once.
 */
@Injectable()
export class DemoAccounts implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoAccounts');

  constructor(
    private readonly sandbox: DemoSandbox,
    private readonly accounts: ProviderAccountsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const running = this.sandbox.running;
    if (!running) return;
    const { webshareKeys, proxyhatKeys } = running.control.config();
    await this.accounts.ensure({
      provider: 'webshare',
      name: 'webshare-sandbox',
      baseUrl: running.webshareBaseUrl,
      apiKey: webshareKeys[0],
      isDefault: true,
    });
    await this.accounts.ensure({
      provider: 'proxyhat',
      name: 'proxyhat-sandbox',
      baseUrl: running.proxyhatBaseUrl,
      apiKey: proxyhatKeys[0],
      isDefault: true,
    });
    this.logger.log('Sandbox provider accounts registered: webshare-sandbox, proxyhat-sandbox');
  }
}
