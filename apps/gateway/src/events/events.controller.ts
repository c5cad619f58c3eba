import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiPageResponse, Page } from '../common/pagination';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { EVENT_TYPES_TABLE } from '../webhooks/webhook-docs';
import { EventFeed } from './event-feed';
import { EventDto, EventsQueryDto } from './event.dto';
import type { EventView } from './event.view';

@ApiTags('events')
@ApiBearerAuth('bearer')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'The event feed, newest first',
    description:
      'Every recorded change, as webhooks deliver it. Admin keys see every tenant (or one with `tenantId`); ' +
      'other keys see their own tenant only. Cursor-paginated.\n\n' +
      EVENT_TYPES_TABLE,
  })
  @ApiPageResponse(EventDto)
  @ApiProblemResponses(401, 403, 422)
  list(@CurrentAuth() auth: AuthContext, @Query() query: EventsQueryDto): Promise<Page<EventView>> {
    return this.feed.list(auth, query);
  }

  @Get(':id')
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'One event',
    description:
      'As the feed lists it and webhooks deliver it (its id is their `webhook-id`); another tenant’s is 404.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: EventDto })
  @ApiProblemResponses(401, 403, 404)
  get(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<EventView> {
    return this.feed.get(auth, id);
  }
}
