import { Module } from '@nestjs/common';
import { SubUserMappingRepository } from '@app/persistence/repositories/sub-user-mapping.repository';
import { BulkDeleteJob } from './bulk-delete.job';
import { SubUsersController } from './sub-users.controller';
import { SubUsersService } from './sub-users.service';

@Module({
  controllers: [SubUsersController],
  providers: [SubUserMappingRepository, SubUsersService, BulkDeleteJob],
  exports: [SubUsersService, SubUserMappingRepository],
})
export class SubUsersModule {}
