import { Global, Module } from '@nestjs/common';
import { AuditRepository } from '@app/persistence/repositories/audit.repository';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** Global: every domain records its changes through AuditService. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
