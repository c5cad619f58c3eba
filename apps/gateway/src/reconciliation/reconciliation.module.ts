import { Module } from '@nestjs/common';
import { ProviderAccountsModule } from '../provider-accounts/provider-accounts.module';
import { AccountReconciler } from './account-reconciler';

/** Reconciling an account with its provider's listing: used by the sync job and by create retries. */
@Module({
  imports: [ProviderAccountsModule],
  providers: [AccountReconciler],
  exports: [AccountReconciler],
})
export class ReconciliationModule {}
