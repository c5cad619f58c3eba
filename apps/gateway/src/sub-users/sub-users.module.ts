import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ProviderAccountsModule } from '../provider-accounts/provider-accounts.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SubUserAccess } from './sub-user-access';
import { SubUserActionsController } from './sub-user-actions.controller';
import { SubUsersController } from './sub-users.controller';
import { SubUsersBulkController } from './sub-users-bulk.controller';
import { BulkCreateJob } from './use-cases/bulk-create/bulk-create.job';
import { BulkUpdateJob } from './use-cases/bulk-update/bulk-update.job';
import { BulkDeleteJob } from './use-cases/bulk-delete/bulk-delete.job';
import { ChangeSubUser } from './use-cases/change-sub-user/change-sub-user.use-case';
import { AccountSelection } from './use-cases/create-sub-user/account-selection';
import { CreateSubUser } from './use-cases/create-sub-user/create-sub-user.use-case';
import { Placement } from './use-cases/create-sub-user/placement';
import { DeleteSubUser } from './use-cases/delete-sub-user/delete-sub-user.use-case';
import { ProviderActions } from './use-cases/provider-actions/provider-actions.use-case';
import { SuspendSubUser } from './use-cases/suspend-sub-user/suspend-sub-user.use-case';
import { SuspendTenantJob } from './use-cases/suspend-sub-user/suspend-tenant.job';
import { GetSubUser } from './use-cases/query-sub-users/get-sub-user.use-case';
import { ListSubUsers } from './use-cases/query-sub-users/list-sub-users.use-case';

/** The sub-user API: one use case per operation, each recording through the ledger. */
@Module({
  imports: [JobsModule, ProviderAccountsModule, ReconciliationModule],
  controllers: [SubUsersController, SubUsersBulkController, SubUserActionsController],
  providers: [
    SubUserAccess,
    AccountSelection,
    Placement,
    CreateSubUser,
    ChangeSubUser,
    DeleteSubUser,
    GetSubUser,
    ListSubUsers,
    ProviderActions,
    SuspendSubUser,
    SuspendTenantJob,
    BulkDeleteJob,
    BulkCreateJob,
    BulkUpdateJob,
  ],
  exports: [CreateSubUser, ChangeSubUser, SubUserAccess],
})
export class SubUsersModule {}
