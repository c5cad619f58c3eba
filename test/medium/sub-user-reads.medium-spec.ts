import { SubUserMappingRepository } from '@app/persistence';
import { LedgerHarness, actor, providerSubUser, startLedger } from './ledger-harness';

/**
 * The hot read of GET /v1/sub-users/:id against a real database: the record as the rest of the
 * code expects it (exactly what Prisma reads), and the in-process cache in front of it (at most
 * a second old, never this process's own stale write).
 */
describe('reading a sub-user record by id', () => {
  let h: LedgerHarness;
  let mappings: SubUserMappingRepository;

  beforeAll(async () => {
    h = await startLedger();
    mappings = h.app.get(SubUserMappingRepository);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function adopted(name: string) {
    const [record] = await h.ledger.adopt({
      providerAccountId: h.accountId,
      provider: 'proxyhat',
      tenantId: 'default',
      subUsers: [
        providerSubUser({
          name,
          traffic: { limitBytes: null, usedBytes: 2 ** 40, periodStart: null, periodEnd: null },
        }),
      ],
      actor,
    });
    return record;
  }

  it('reads every column as Prisma does: dates, 64-bit counters, JSON and arrays', async () => {
    const record = await adopted('columns');
    // Values a JSON number could not carry, and every nullable column set.
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET lifetime_used_bytes = 9007199254740993, last_used_bytes = 9007199254740995,
              thresholds_crossed = '{50,80}', metadata = '{"plan":"gold","note":"a\\u00e9\\"b"}',
              intent_expires_at = '2031-05-06T07:08:09.123Z', suspension = '{"reason":"budget"}'
        WHERE id = $1::uuid`,
      record.id,
    );
    const read = await mappings.findById(record.id);
    const expected = await h.db.subUserMapping.findUnique({ where: { id: record.id } });
    expect(read).toEqual(expected);
    expect(read!.lifetimeUsedBytes).toBe(9007199254740993n);
    expect(read!.lastUsedBytes).toBe(9007199254740995n);
    expect(read!.intentExpiresAt).toEqual(new Date('2031-05-06T07:08:09.123Z'));
    expect(read!.metadata).toEqual({ plan: 'gold', note: 'aé"b' });
    expect(read!.thresholdsCrossed).toEqual([50, 80]);
  });

  it('answers null for an id no record has', async () => {
    expect(await mappings.findById('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await mappings.findByIdCached('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('serves a cached read for at most a second, and a ledger write at once', async () => {
    const record = await adopted('cached');
    expect((await mappings.findByIdCached(record.id))!.name).toBe('cached');
    // Another replica's write (the database changed behind this process): seen within the TTL.
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET name = 'elsewhere' WHERE id = $1::uuid`,
      record.id,
    );
    expect((await mappings.findByIdCached(record.id))!.name).toBe('cached');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = (await mappings.findByIdCached(record.id))!;
    expect(fresh.name).toBe('elsewhere');

    // This process's own write through the ledger drops the cached row.
    await h.ledger.applySnapshot(
      { record: fresh, subUser: providerSubUser({ ...(fresh.snapshot as object), name: 'renamed' }) },
      actor,
    );
    expect((await mappings.findByIdCached(record.id))!.name).toBe('renamed');
  });

  it('drops every cached row when a transaction commits', async () => {
    const [first, second] = [await adopted('first'), await adopted('second')];
    await mappings.findByIdCached(first.id);
    await mappings.findByIdCached(second.id);
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET name = name || '-changed' WHERE id IN ($1::uuid, $2::uuid)`,
      first.id,
      second.id,
    );
    mappings.forget(); // what the ledger calls after a transaction
    expect((await mappings.findByIdCached(first.id))!.name).toBe('first-changed');
    expect((await mappings.findByIdCached(second.id))!.name).toBe('second-changed');
  });

  it('drops a row cached under an upper-case id when its record is written', async () => {
    const record = await adopted('spelled');
    const upper = record.id.toUpperCase();
    expect((await mappings.findByIdCached(upper))!.name).toBe('spelled');
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET name = 'rewritten' WHERE id = $1::uuid`,
      record.id,
    );
    mappings.forget(record.id); // what a single-row write of the ledger calls
    expect((await mappings.findByIdCached(upper))!.name).toBe('rewritten');
  });

  it('does not cache a row read while a write was finishing', async () => {
    const record = await adopted('in-flight');
    const reading = mappings.findByIdCached(record.id);
    // The ledger's write lands while the read is in flight (it drops what is cached, and the
    // read that started before it must not put its possibly stale row back).
    mappings.forget(record.id);
    await reading;
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET name = 'after' WHERE id = $1::uuid`,
      record.id,
    );
    expect((await mappings.findByIdCached(record.id))!.name).toBe('after');
  });
});
