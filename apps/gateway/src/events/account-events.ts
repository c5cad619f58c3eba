import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Ledger, ProviderAccountRepository } from '@app/persistence';
import { AccountSignal, UpstreamObserver } from '../observability/upstream-observer';
import { toProviderAccountDto } from '../provider-accounts/provider-accounts.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EVENT_OF: Record<AccountSignal['kind'], string> = {
  'auth-failed': 'provider-account.auth-failed',
  'circuit-opened': 'provider-account.circuit-opened',
  'circuit-closed': 'provider-account.circuit-closed',
};

/**
 * Announces what the UpstreamObserver sees of a provider account's health (a refused key, a
 * circuit opening and closing), recorded and announced through the ledger like any change.
 */
@Injectable()
export class AccountEvents implements OnModuleInit {
  private readonly logger = new Logger('AccountEvents');

  constructor(
    private readonly observer: UpstreamObserver,
    private readonly accounts: ProviderAccountRepository,
    private readonly ledger: Ledger,
  ) {}

  onModuleInit(): void {
    this.observer.onAccountSignal((signal) => {
      // Observed inside a provider call: recorded beside it, never in its way.
      void this.announce(signal).catch((error: unknown) =>
        this.logger.error(
          `Recording ${EVENT_OF[signal.kind]} for ${signal.accountId} failed: ${(error as Error).message}`,
        ),
      );
    });
  }

  async announce(signal: AccountSignal): Promise<void> {
    // A key being checked before its account exists is probed under a made-up id.
    if (!UUID.test(signal.accountId)) return;
    const account = await this.accounts.findById(signal.accountId);
    if (!account) return;
    const type = EVENT_OF[signal.kind];
    const data = toProviderAccountDto(account);
    await this.ledger.recordChange({
      action: type,
      targetType: 'provider-account',
      targetId: account.id,
      tenantId: null,
      actor: { keyId: null, requestId: null },
      outcome: signal.kind === 'auth-failed' ? 'error' : 'ok',
      errorCode: signal.kind === 'auth-failed' ? 'PROVIDER_AUTH_FAILED' : null,
      changes:
        signal.kind === 'auth-failed'
          ? null
          : { after: { circuit: signal.kind === 'circuit-opened' ? 'open' : 'closed' } },
      announce: { type, data },
    });
  }
}
