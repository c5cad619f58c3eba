import { Module } from '@nestjs/common';
import { AccountEvents } from './account-events';
import { EventFeed } from './event-feed';
import { EventsController } from './events.controller';

/** The event feed, and the provider-account announcements the upstream observer gives rise to. */
@Module({
  controllers: [EventsController],
  providers: [EventFeed, AccountEvents],
})
export class EventsModule {}
