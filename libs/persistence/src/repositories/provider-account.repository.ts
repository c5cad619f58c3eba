import { Injectable } from '@nestjs/common';
import { Prisma, ProviderAccount } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

type Db = Prisma.TransactionClient;

export type NewProviderAccount = Omit<ProviderAccount, 'createdAt' | 'updatedAt'>;
export type ProviderAccountChanges = Partial<
  Omit<ProviderAccount, 'id' | 'provider' | 'createdAt' | 'updatedAt'>
>;

@Injectable()
export class ProviderAccountRepository {
  constructor(private readonly prisma: PrismaService) {}

  get client() {
    return this.prisma.client;
  }

  findById(id: string, db: Db = this.prisma.client): Promise<ProviderAccount | null> {
    return db.providerAccount.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<ProviderAccount | null> {
    return this.prisma.client.providerAccount.findUnique({ where: { name } });
  }

  findDefault(provider: string): Promise<ProviderAccount | null> {
    return this.prisma.client.providerAccount.findFirst({
      where: { provider, isDefault: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  listAll(): Promise<ProviderAccount[]> {
    return this.prisma.client.providerAccount.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  }

  /** Creates or changes an account; making it the default clears the provider's other default in the same transaction. */
  async save(
    account: NewProviderAccount | (ProviderAccountChanges & { id: string; provider: string }),
    db: Db,
    create: boolean,
  ): Promise<ProviderAccount> {
    if (account.isDefault) {
      await db.providerAccount.updateMany({
        where: { provider: account.provider, isDefault: true, NOT: { id: account.id } },
        data: { isDefault: false },
      });
    }
    if (create) return db.providerAccount.create({ data: account as NewProviderAccount });
    const { id, provider: _provider, ...changes } = account;
    return db.providerAccount.update({ where: { id }, data: changes });
  }

  delete(id: string, db: Db): Promise<ProviderAccount> {
    return db.providerAccount.delete({ where: { id } });
  }

  /** Sub-users still mapped to the account (deleted ones do not hold it). */
  countLiveSubUsers(accountId: string, db: Db = this.prisma.client): Promise<number> {
    return db.subUserMapping.count({
      where: { providerAccountId: accountId, lifecycle: { not: 'deleted' } },
    });
  }
}
