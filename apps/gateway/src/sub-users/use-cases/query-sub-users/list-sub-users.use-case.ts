import { Injectable } from '@nestjs/common';
import { SubUserMappingRepository } from '@app/persistence';
import type { AuthContext } from '../../../access/auth-context';
import { DEFAULT_PAGE_LIMIT, type Page, decodeCursor, encodeCursor } from '../../../common/pagination';
import type { ListSubUsersQueryDto, SubUserDto } from '../../sub-user.dto';
import { toSubUserDto } from '../../sub-user.view';

/** A page of sub-users from the local records: filtered, newest first, keyset-paginated. */
@Injectable()
export class ListSubUsers {
  constructor(private readonly mappings: SubUserMappingRepository) {}

  async execute(query: ListSubUsersQueryDto, auth: AuthContext): Promise<Page<SubUserDto>> {
    const take = query.limit ?? DEFAULT_PAGE_LIMIT;
    if (query.tenantId !== undefined && !auth.isAdmin && query.tenantId !== auth.tenantId) {
      return { items: [], nextCursor: null };
    }
    const rows = await this.mappings.list(
      {
        tenantId: auth.isAdmin ? query.tenantId : auth.tenantId,
        provider: query.provider,
        providerAccountId: query.providerAccountId,
        status: query.status,
        nameContains: query.q,
        metadata: query.metadata,
      },
      { after: query.cursor ? decodeCursor(query.cursor, { uuidIds: true }) : undefined, take: take + 1 },
    );
    const items = rows.slice(0, take);
    return {
      items: items.map(toSubUserDto),
      nextCursor: rows.length > take ? encodeCursor(items[items.length - 1]) : null,
    };
  }
}
