import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PROVIDER_NAMES, type ProviderName } from '@app/domain';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { ProviderAccountsService } from './provider-accounts.service';

interface SandboxAccount {
  provider: string;
  name: string;
  baseUrl: string;
  apiKey: string;
}

const SANDBOX_ANSWER_TIMEOUT_MS = 5_000;

/**
 * Demo mode: registers the provider sandbox's accounts (one per simulated provider, each its
 * provider's default) so Swagger UI works at once. The sandbox runs beside the gateway
 * (scripts/start-demo.js); the gateway knows only its URL (SANDBOX_URL) and asks it for them.
 */
@Injectable()
export class DemoAccounts implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoAccounts');

  constructor(
    private readonly accounts: ProviderAccountsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sandboxUrl = this.config.sandboxUrl;
    if (!sandboxUrl) return;
    const response = await fetch(`${sandboxUrl}/__sandbox/accounts`, {
      signal: AbortSignal.timeout(SANDBOX_ANSWER_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`the provider sandbox at ${sandboxUrl} answered ${response.status}`);
    const offered = (await response.json()) as SandboxAccount[];
    const known = offered.filter((account): account is SandboxAccount & { provider: ProviderName } =>
      (PROVIDER_NAMES as readonly string[]).includes(account.provider),
    );
    for (const account of known) {
      await this.accounts.ensure({ ...account, isDefault: true });
    }
    this.logger.log(
      `Sandbox provider accounts registered: ${known.map((account) => account.name).join(', ')}`,
    );
  }
}
