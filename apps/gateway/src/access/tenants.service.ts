import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { PrismaService } from '@app/persistence';
import { Tenant } from '@app/persistence/generated/prisma/client';
import { TenantRepository, isUniqueViolation } from '@app/persistence/repositories/tenant.repository';
import { AuditService } from '../audit/audit.service';
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
    private readonly audit: AuditService,
    private readonly prisma: PrismaService,
  ) {}

  async create(auth: AuthContext, input: CreateTenantDto, requestId: string): Promise<TenantDto> {
    const conflict = () => new GatewayError('CONFLICT', `A tenant named "${input.name}" already exists`);
    if (await this.tenants.findByName(input.name)) throw conflict();
    try {
      const row = await this.prisma.client.$transaction(async (tx) => {
        const created = await this.tenants.create({ id: randomUUID(), name: input.name }, tx);
        await this.audit.record(
          {
            action: 'tenant.created',
            targetType: 'tenant',
            targetId: created.id,
            tenantId: created.id,
            actor: auth,
            changes: { after: toTenantDto(created) },
            outcome: 'ok',
            requestId,
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
