import { Injectable } from '@nestjs/common';
import { WebhookEndpointRepository } from '@app/persistence';
import { AuthContext } from '../../../access/auth-context';
import { Page, PaginationQueryDto, decodeCursor, pageLimit, toPage } from '../../../common/pagination';
import { EndpointAccess } from '../../endpoint-access';
import type { WebhookEndpointDto } from '../../webhook.dto';
import { toEndpointView } from '../../webhook.view';

/** Reads endpoints: admins every one, other keys their tenant's. */
@Injectable()
export class QueryEndpoints {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly access: EndpointAccess,
  ) {}

  async list(auth: AuthContext, query: PaginationQueryDto): Promise<Page<WebhookEndpointDto>> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined;
    const rows = await this.endpoints.list(
      { tenantId: auth.isAdmin ? undefined : auth.tenantId },
      { after, take: limit + 1 },
    );
    return toPage(rows, limit, toEndpointView);
  }

  async get(id: string, auth: AuthContext): Promise<WebhookEndpointDto> {
    return toEndpointView(await this.access.findOwned(id, auth));
  }
}
