import { Injectable } from '@nestjs/common';
import { ApiKey } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';
import { RowPosition, rowsAfter } from './tenant.repository';

export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  scopes: string[];
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByHash(keyHash: string): Promise<ApiKey | null> {
    return this.prisma.client.apiKey.findUnique({ where: { keyHash } });
  }

  findById(id: string): Promise<ApiKey | null> {
    return this.prisma.client.apiKey.findUnique({ where: { id } });
  }

  create(data: NewApiKey, tx?: Tx): Promise<ApiKey> {
    return clientOf(this.prisma, tx).apiKey.create({ data });
  }

  /** Sets `revokedAt` unless already set; returns the row as it now is (null when unknown). */
  async revoke(id: string, at: Date, tx?: Tx): Promise<ApiKey | null> {
    const db = clientOf(this.prisma, tx);
    await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return db.apiKey.findUnique({ where: { id } });
  }

  reinstate(id: string, tx: Tx): Promise<ApiKey> {
    return clientOf(this.prisma, tx).apiKey.update({ where: { id }, data: { revokedAt: null } });
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.prisma.client.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  /** Active keys of that name in that tenant (used to find earlier bootstrap keys). */
  findActiveByName(tenantId: string, name: string): Promise<ApiKey[]> {
    return this.prisma.client.apiKey.findMany({ where: { tenantId, name, revokedAt: null } });
  }

  list(options: { tenantId?: string; after?: RowPosition; take: number }): Promise<ApiKey[]> {
    return this.prisma.client.apiKey.findMany({
      where: {
        ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
        ...rowsAfter(options.after),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.take,
    });
  }
}
