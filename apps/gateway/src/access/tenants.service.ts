import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { Ledger, type Tenant, TenantRepository, Transactions, isUniqueViolation } from '@app/persistence';
import { Page, PaginationQueryDto, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { AuthContext } from './auth-context';
import { CreateTenantDto, TenantDto } from './dto/tenant.dto';

function toTenantDto(row: Tenant): TenantDto {
  return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly ledger: Ledger,
    private readonly transactions: Transactions,
  ) {}

  async create(auth: AuthContext, input: CreateTenantDto, requestId: string): Promise<TenantDto> {
    const conflict = () => new GatewayError('CONFLICT', `A tenant named "${input.name}" already exists`);
    if (await this.tenants.findByName(input.name)) throw conflict();
    try {
      const row = await this.transactions.run(async (tx) => {
        const created = await this.tenants.create({ id: randomUUID(), name: input.name }, tx);
        await this.ledger.recordChange(
          {
            action: 'tenant.created',
            targetType: 'tenant',
            targetId: created.id,
            tenantId: created.id,
            actor: { keyId: auth.keyId, requestId },
            changes: { after: toTenantDto(created) },
            outcome: 'ok',
          },
          tx,
        );
        return created;
      });
      return toTenantDto(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict();
      throw error;
    }
  }

  async list(query: PaginationQueryDto): Promise<Page<TenantDto>> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.tenants.list({ after, take: limit + 1 });
    return toPage(rows, limit, toTenantDto);
  }
}
