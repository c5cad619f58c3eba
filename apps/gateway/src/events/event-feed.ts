import { Injectable } from '@nestjs/common';
import { GatewayError } from '@app/domain';
import { EventRepository } from '@app/persistence';
import { AuthContext, canAccessTenant } from '../access/auth-context';
import { Page, decodeCursor, encodeCursor, pageLimit } from '../common/pagination';
import { EventView, toEventView } from './event.view';
import type { EventsQueryDto } from './event.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event feed (the outbox, written by the ledger): newest first, one tenant's unless admin. */
@Injectable()
export class EventFeed {
  constructor(private readonly events: EventRepository) {}

  async list(auth: AuthContext, query: EventsQueryDto): Promise<Page<EventView>> {
    if (!auth.isAdmin && query.tenantId !== undefined && query.tenantId !== auth.tenantId) {
      return { items: [], nextCursor: null };
    }
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const rows = await this.events.list(
      {
        tenantId: auth.isAdmin ? query.tenantId : auth.tenantId,
        types: query.type,
        subjectId: query.subUserId,
        since: query.since,
      },
      { after, take: limit + 1 },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toEventView),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdAt: last.occurredAt, id: last.id }) : null,
    };
  }

  /** Another tenant's event is 404, as any other resource of theirs. */
  async get(auth: AuthContext, id: string): Promise<EventView> {
    const event = UUID.test(id) ? await this.events.findById(id) : null;
    if (!event || !canAccessTenant(auth, event.tenantId))
      throw new GatewayError('NOT_FOUND', `No event ${id}`);
    return toEventView(event);
  }
}
