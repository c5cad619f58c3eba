import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProviderAccountsModule } from '../provider-accounts/provider-accounts.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ProviderAccountsModule],
  controllers: [HealthController],
})
export class HealthModule {}
