import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** The audit log, read-only (the ledger writes it). */
@Module({
  controllers: [AuditController],
  providers: [AuditService],
})
export class AuditModule {}
