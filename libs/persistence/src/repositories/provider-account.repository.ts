import { Injectable } from '@nestjs/common';
import { ProviderAccount } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type Tx, clientOf } from '../transactions';

export type NewProviderAccount = Omit<ProviderAccount, 'createdAt' | 'updatedAt' | 'lastPlacedAt'>;
export type ProviderAccountChanges = Partial<
  Omit<ProviderAccount, 'id' | 'provider' | 'createdAt' | 'updatedAt'>
>;

@Injectable()
export class ProviderAccountRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<ProviderAccount | null> {
    return this.prisma.client.providerAccount.findUnique({ where: { id } });
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
    tx: Tx,
    create: boolean,
  ): Promise<ProviderAccount> {
    const db = clientOf(this.prisma, tx);
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

  delete(id: string, tx: Tx): Promise<ProviderAccount> {
    return clientOf(this.prisma, tx).providerAccount.delete({ where: { id } });
  }

  /** The prepaid balance as the provider last reported it (no other field changes). */
  async recordBalance(id: string, availableBytes: number, at: Date): Promise<void> {
    await this.prisma.client.providerAccount.updateMany({
      where: { id },
      data: { balanceBytes: BigInt(Math.round(availableBytes)), balanceObservedAt: at },
    });
  }

  /** Live sub-users per account (what least-used placement and the account list show). */
  async countLiveByAccount(): Promise<Map<string, number>> {
    const rows = await this.prisma.client.$queryRaw<{ id: string; live: number }[]>`
      SELECT provider_account_id::text AS id, count(*)::int AS live FROM sub_user_mappings
       WHERE lifecycle <> 'deleted' AND status <> 'deleting' GROUP BY provider_account_id`;
    return new Map(rows.map((row) => [row.id, row.live]));
  }

  /** Placement chose it now (round-robin picks the account chosen longest ago). */
  async markPlaced(id: string, at: Date): Promise<void> {
    await this.prisma.client.providerAccount.updateMany({ where: { id }, data: { lastPlacedAt: at } });
  }

  /** Sub-users still mapped to the account (deleted ones do not hold it). */
  /**
   * The account's live sub-users (intents included), counted with the account's row locked for
   * the rest of `tx`: a create or an adoption referencing the account waits for the removal and
   * then finds it gone, so none slips in between the count and the delete.
   */
  /**
   * Where and with what the account's calls go (base URL, plan, sealed key), its row locked until
   * `tx` ends; null when it is gone.
   */
  async lockConnection(
    accountId: string,
    tx: Tx,
  ): Promise<Pick<ProviderAccount, 'baseUrl' | 'planId' | 'apiKeyCiphertext'> | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<
      { base_url: string; plan_id: string | null; api_key_ciphertext: string }[]
    >`SELECT base_url, plan_id, api_key_ciphertext FROM provider_accounts WHERE id = ${accountId}::uuid FOR UPDATE`;
    if (rows.length === 0) return null;
    return {
      baseUrl: rows[0].base_url,
      planId: rows[0].plan_id,
      apiKeyCiphertext: rows[0].api_key_ciphertext,
    };
  }

  /**
   * Live sub-users of the account, its row locked until `tx` ends (no create opens on it meanwhile);
   * null when the account is gone.
   */
  async countLiveSubUsers(accountId: string, tx: Tx): Promise<number | null> {
    const client = clientOf(this.prisma, tx);
    const locked = await client.$queryRaw<{ id: string }[]>`
      SELECT id FROM provider_accounts WHERE id = ${accountId}::uuid FOR UPDATE`;
    // Removed by a concurrent call since the caller read it.
    if (locked.length === 0) return null;
    return client.subUserMapping.count({
      where: { providerAccountId: accountId, lifecycle: { not: 'deleted' } },
    });
  }
}
