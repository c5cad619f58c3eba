import { Injectable } from '@nestjs/common';
import type { SubUserMapping } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { SubUserMappingRepository } from '../repositories/sub-user-mapping.repository';
import { type Tx, clientOf } from '../transactions';
import { writeChanges } from './change-log';
import * as changes from './changes';
import * as claims from './change-claims';
import * as intents from './intents';
import * as intentEndings from './intent-endings';
import {
  type Actor,
  type AdoptCommand,
  type AmbiguousIntentCommand,
  type ChangeClaim,
  type ClaimOptions,
  type ClaimRefusal,
  type CompleteIntentCommand,
  type FailIntentCommand,
  Ledger,
  type MarkDeletedCommand,
  type OpenIntentCommand,
  type RecordFailureCommand,
  type RecordProviderActionCommand,
  type RecordSuspensionCommand,
  type RecordUpdateCommand,
  type RecordedChange,
  type SnapshotOutcome,
  type SnapshotReport,
} from './ledger';
import type { LedgerContext } from './ledger-context';
import * as reports from './reports';
import * as adoption from './adoption';

/** The ledger on Prisma (PostgreSQL or PGlite): each operation lives with its kind in this folder. */
@Injectable()
export class PrismaLedger extends Ledger {
  private readonly ctx: LedgerContext;

  constructor(
    private readonly prisma: PrismaService,
    mappings: SubUserMappingRepository,
  ) {
    super();
    this.ctx = {
      client: prisma.client,
      sql: prisma.sql,
      transaction: async (work) => {
        try {
          return await prisma.client.$transaction(work);
        } finally {
          // Rows written inside may have been read (and cached) before the commit.
          mappings.forget();
        }
      },
      forget: (id) => mappings.forget(id),
    };
  }

  openIntent(command: OpenIntentCommand): Promise<SubUserMapping> {
    return intents.openIntent(this.ctx, command);
  }

  openIntentUnlessEarlier(
    command: OpenIntentCommand,
  ): Promise<{ opened: SubUserMapping } | { earlierId: string }> {
    return intents.openIntentUnlessEarlier(this.ctx, command);
  }

  renewIntent(command: OpenIntentCommand): Promise<SubUserMapping | null> {
    return intents.renewIntent(this.ctx, command);
  }

  releaseCreateKey(id: string, createKey: string, madeBefore: Date): Promise<boolean> {
    return intents.releaseCreateKey(this.ctx, id, createKey, madeBefore);
  }

  completeIntent(command: CompleteIntentCommand): Promise<SubUserMapping | null> {
    return intents.completeIntent(this.ctx, command);
  }

  failIntent(command: FailIntentCommand): Promise<void> {
    return intentEndings.failIntent(this.ctx, command);
  }

  expireIntent(intentId: string, actor: Actor): Promise<boolean> {
    return intentEndings.expireIntent(this.ctx, intentId, actor);
  }

  closeAmbiguousIntent(command: AmbiguousIntentCommand): Promise<boolean> {
    return intentEndings.closeAmbiguousIntent(this.ctx, command);
  }

  claimChange(id: string, options: ClaimOptions): Promise<ChangeClaim | ClaimRefusal> {
    return claims.claimChange(this.ctx, id, options);
  }

  releaseChange(id: string, claimId: string): Promise<void> {
    return claims.releaseChange(this.ctx, id, claimId);
  }

  recordUpdate(command: RecordUpdateCommand): Promise<SubUserMapping | null> {
    return changes.recordUpdate(this.ctx, command);
  }

  recordProviderAction(command: RecordProviderActionCommand): Promise<SubUserMapping> {
    return changes.recordProviderAction(this.ctx, command);
  }

  recordSuspension(command: RecordSuspensionCommand): Promise<SubUserMapping | null> {
    return changes.recordSuspension(this.ctx, command);
  }

  recordFailure(command: RecordFailureCommand): Promise<void> {
    return changes.recordFailure(this.ctx, command);
  }

  recordAccess(record: SubUserMapping, action: string, actor: Actor): Promise<void> {
    return changes.recordAccess(this.ctx, record, action, actor);
  }

  applySnapshot(report: SnapshotReport, actor: Actor): Promise<SubUserMapping> {
    return reports.applySnapshot(this.ctx, report, actor);
  }

  applySnapshots(batch: SnapshotReport[], actor: Actor, at: Date): Promise<SnapshotOutcome[]> {
    return reports.applySnapshots(this.ctx, batch, actor, at);
  }

  markSynced(ids: string[], at: Date): Promise<void> {
    return reports.markSynced(this.ctx, ids, at);
  }

  markDeleted(command: MarkDeletedCommand): Promise<{ record: SubUserMapping; changed: boolean }> {
    return reports.markDeleted(this.ctx, command);
  }

  markUnknown(record: SubUserMapping, actor: Actor): Promise<SubUserMapping | null> {
    return reports.markUnknown(this.ctx, record, actor);
  }

  adopt(command: AdoptCommand): Promise<SubUserMapping[]> {
    return adoption.adopt(this.ctx, command);
  }

  async recordChange(change: RecordedChange, tx?: Tx): Promise<void> {
    await writeChanges(clientOf(this.prisma, tx), [
      {
        action: change.action,
        targetType: change.targetType,
        targetId: change.targetId,
        tenantId: change.tenantId,
        actor: change.actor,
        outcome: change.outcome ?? 'ok',
        errorCode: change.errorCode ?? null,
        changes: change.changes ?? null,
        ...(change.announce ? { event: change.announce } : {}),
      },
    ]);
  }

  async forgetAccountHistory(providerAccountId: string, tx: Tx): Promise<void> {
    await clientOf(this.prisma, tx).$executeRaw`
      DELETE FROM sub_user_mappings WHERE provider_account_id = ${providerAccountId}::uuid AND lifecycle = 'deleted'`;
    this.ctx.forget();
  }
}
