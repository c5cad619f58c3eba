import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import type { ChangeClaim, OpenIntentCommand, SubUserRecord } from '@app/persistence';
import { statementsDuring } from '@app/persistence/testing';
import { LedgerHarness, actor, providerSubUser, startLedger } from './ledger-harness';

/**
 * The ledger's single-statement writes (a create's intent and completion, a claimed update, a
 * delete of a record as read): the same rules as the long way, the row they return is the row the
 * database holds, and when the record moved meanwhile they write nothing and take the long way.
 */
describe('the ledger in one statement per write', () => {
  let h: LedgerHarness;

  beforeAll(async () => {
    h = await startLedger();
  });
  afterAll(async () => {
    await h?.close();
  });

  const intent = (name: string, overrides: Partial<OpenIntentCommand> = {}): OpenIntentCommand => ({
    id: randomUUID(),
    tenantId: 'default',
    providerAccountId: h.accountId,
    provider: 'proxyhat',
    name,
    gatewayNotes: null,
    metadata: { b: '2', a: '1', longer: 'x' },
    createKey: null,
    evidence: { requested: { name }, echo: { name }, requestId: 'r', startedAt: new Date().toISOString() },
    proxyPassword: `pw-${randomUUID()}`,
    trafficLimitBytes: null,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    ...overrides,
  });
  const reread = async (id: string) => {
    const rows = await h.db.$queryRawUnsafe<SubUserRecord[]>(
      `SELECT * FROM sub_user_mappings WHERE id = $1::uuid`,
      id,
    );
    return rows[0];
  };
  /** The row as the rest of the code reads it (findRow), compared as JSON (key order included). */
  const asStored = async (id: string) => {
    const row = (await h.db.subUserMapping.findUniqueOrThrow({ where: { id } })) as SubUserRecord;
    return JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
  };
  const asJson = (row: unknown) =>
    JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));

  it('opens in one round trip and completes in one, returning exactly the row stored, answer included', async () => {
    const command = intent(`one-${randomUUID().slice(0, 6)}`);
    let opened: SubUserRecord | undefined;
    expect(
      await statementsDuring(h.app, async () => {
        opened = await h.ledger.openIntent(command);
      }),
    ).toHaveLength(1);
    const recordId = randomUUID();
    await h.db.idempotencyRecord.create({
      data: {
        id: recordId,
        tenantId: 'default',
        method: 'POST',
        path: '/v1/sub-users',
        key: `k-${recordId}`,
        requestHash: 'h',
        state: 'in_progress',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    let storedCalls = 0;
    let done: SubUserRecord | null = null;
    const subUser = providerSubUser({
      name: command.name!,
      countries: { US: 1, DE: 2 },
      traffic: { limitBytes: 10, usedBytes: 3, periodStart: null, periodEnd: null },
    });
    const statements = await statementsDuring(h.app, async () => {
      done = await h.ledger.completeIntent({
        intentId: command.id,
        subUser,
        actor,
        via: 'create',
        opened,
        answer: {
          recordId,
          render: (row) => ({
            status: 201,
            body: JSON.stringify({ id: row.id, version: row.version }),
            sealed: false,
          }),
          stored: () => {
            storedCalls += 1;
          },
        },
      });
    });
    expect(statements).toHaveLength(1);
    expect(asJson(done!)).toBe(await asStored(command.id));
    expect(done!).toMatchObject({
      lifecycle: 'active',
      version: 2,
      lastUsedBytes: 3n,
      lifetimeUsedBytes: 3n,
    });
    expect(storedCalls).toBe(1);
    expect(await h.db.idempotencyRecord.findUniqueOrThrow({ where: { id: recordId } })).toMatchObject({
      state: 'completed',
      responseStatus: 201,
      responseBody: JSON.stringify({ id: command.id, version: 2 }),
    });
    expect(
      (await h.db.auditEvent.findMany({ where: { targetId: command.id } })).map((row) => row.action),
    ).toEqual(['sub-user.created']);
    expect(
      (await h.db.outboxEvent.findMany({ where: { subjectId: command.id } })).map((row) => row.type),
    ).toEqual(['sub-user.created']);
  });

  it('a completion whose intent moved meanwhile writes nothing in one statement and takes the long way', async () => {
    const command = intent(`moved-${randomUUID().slice(0, 6)}`);
    const opened = await h.ledger.openIntent(command);
    // Renewed meanwhile (same version, other evidence): the single statement must not apply.
    await h.db.$executeRawUnsafe(
      `UPDATE sub_user_mappings SET intent = intent || '{"requestId":"renewed"}'::jsonb WHERE id = $1::uuid`,
      command.id,
    );
    let stored = false;
    const done = await h.ledger.completeIntent({
      intentId: command.id,
      subUser: providerSubUser({ name: command.name! }),
      actor,
      via: 'create',
      opened,
      answer: {
        recordId: randomUUID(),
        render: () => ({ status: 201, body: null, sealed: false }),
        stored: () => {
          stored = true;
        },
      },
    });
    expect(stored).toBe(false);
    expect(done).toMatchObject({ lifecycle: 'active', version: 2 });
    expect((done!.intent as { requestId: string }).requestId).toBe('renewed');
    expect(await h.db.auditEvent.count({ where: { targetId: command.id } })).toBe(1);
  });

  it('tells creates with the same fields apart by their passwords, which never reach the database', async () => {
    const name = `pw-${randomUUID().slice(0, 6)}`;
    const first = intent(name, { proxyPassword: 'same-secret-1' });
    await h.ledger.openIntent(first);
    // Another password: told apart (the digest was compared here, then the call made again).
    let other: SubUserRecord | undefined;
    const seen = await statementsDuring(h.app, async () => {
      other = await h.ledger.openIntent(intent(name, { proxyPassword: 'other-secret-2' }));
    });
    expect(other!.lifecycle).toBe('intent');
    expect(seen).toHaveLength(2);
    expect(seen.join('\n')).not.toContain('other-secret-2');
    // The same password: refused.
    const refusal = await h.ledger
      .openIntent(intent(name, { proxyPassword: 'same-secret-1' }))
      .catch((error: unknown) => error);
    expect((refusal as GatewayError).code).toBe('CONFLICT');
    // No password at all: it could be either.
    const bare = await h.ledger
      .openIntent(intent(name, { proxyPassword: undefined }))
      .catch((error: unknown) => error);
    expect((bare as GatewayError).code).toBe('CONFLICT');
    expect(asJson(await reread(first.id))).not.toContain('same-secret-1');
  });

  it('lets only one of concurrent indistinguishable openings through (same name; or no name against any)', async () => {
    const name = `race-${randomUUID().slice(0, 6)}`;
    const same = await Promise.allSettled(
      Array.from({ length: 5 }, () => h.ledger.openIntent(intent(name, { proxyPassword: undefined }))),
    );
    expect(same.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of same.filter((r) => r.status === 'rejected') as PromiseRejectedResult[])
      expect((result.reason as GatewayError).code).toBe('CONFLICT');
    // A create whose echo holds no name could be any sub-user: it waits for, and collides with, a
    // named one on the same account (on a fresh account, so nothing else is open there).
    const account = randomUUID();
    await h.db.providerAccount.create({
      data: {
        id: account,
        provider: 'proxyhat',
        name: `ph-${account}`,
        baseUrl: 'http://127.0.0.1:1',
        apiKeyCiphertext: 'x',
        apiKeyKeyId: 'k',
      },
    });
    const nameless = intent('', { providerAccountId: account, name: null, proxyPassword: undefined });
    nameless.evidence = { ...nameless.evidence, echo: {} };
    const mixed = await Promise.allSettled([
      h.ledger.openIntent(nameless),
      h.ledger.openIntent(
        intent(`named-${randomUUID().slice(0, 6)}`, { providerAccountId: account, proxyPassword: undefined }),
      ),
    ]);
    expect(mixed.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a create past the tenant budget, with the figures, and writes nothing', async () => {
    // What the provider will hold: the limit (an open intent's allocation).
    const limited = (name: string, trafficLimitBytes: number | null) =>
      intent(name, {
        tenantId: 'budgeted',
        trafficLimitBytes,
        evidence: { ...intent(name).evidence, echo: { name, trafficLimitBytes } },
      });
    await h.db.tenant.create({
      data: {
        id: 'budgeted',
        name: 'budgeted',
        budget: { maxSubUsers: 1, maxTrafficBytes: 100, period: 'month' },
      },
    });
    await h.ledger.openIntent(limited(`b1-${randomUUID().slice(0, 6)}`, 60));
    const tooMany = await h.ledger
      .openIntent(limited(`b2-${randomUUID().slice(0, 6)}`, 10))
      .catch((error: unknown) => error);
    expect(tooMany).toBeInstanceOf(GatewayError);
    expect((tooMany as GatewayError).code).toBe('QUOTA_EXCEEDED');
    expect((tooMany as GatewayError).extras).toMatchObject({ budget: 'maxSubUsers', limit: 1, current: 1 });
    await h.db.tenant.update({
      where: { id: 'budgeted' },
      data: { budget: { maxSubUsers: 5, maxTrafficBytes: 100, period: 'month' } },
    });
    const tooMuch = await h.ledger
      .openIntent(limited(`b3-${randomUUID().slice(0, 6)}`, 50))
      .catch((error: unknown) => error);
    expect((tooMuch as GatewayError).extras).toMatchObject({ budget: 'maxTrafficBytes', allocated: 60 });
    const unlimited = await h.ledger
      .openIntent(limited(`b4-${randomUUID().slice(0, 6)}`, null))
      .catch((error: unknown) => error);
    expect((unlimited as GatewayError).code).toBe('QUOTA_EXCEEDED');
    expect(await h.db.subUserMapping.count({ where: { tenantId: 'budgeted' } })).toBe(1);
  });

  it('a claimed update and a delete of the record as read: one statement each, the row returned is the row stored', async () => {
    const command = intent(`chg-${randomUUID().slice(0, 6)}`);
    const opened = await h.ledger.openIntent(command);
    const created = (await h.ledger.completeIntent({
      intentId: command.id,
      subUser: providerSubUser({ name: command.name! }),
      actor,
      via: 'create',
      opened,
    }))!;
    const claimed = (await h.ledger.claimChange(created.id, {
      expectedVersion: 2,
      ttlMs: 30_000,
    })) as ChangeClaim;
    expect(claimed.thresholds).toEqual([80, 90, 100]);
    let updated: SubUserRecord | null = null;
    const updating = await statementsDuring(h.app, async () => {
      updated = await h.ledger.recordUpdate({
        id: created.id,
        claimId: claimed.claimId,
        claimed,
        subUser: providerSubUser({
          providerSubUserId: created.providerSubUserId!,
          name: 'renamed',
          traffic: { limitBytes: 100, usedBytes: 95, periodStart: null, periodEnd: null },
        }),
        metadata: { plan: 'gold' },
        request: { name: 'renamed' },
        actor,
      });
    });
    expect(updating).toHaveLength(1);
    expect(asJson(updated!)).toBe(await asStored(created.id));
    expect(updated!).toMatchObject({ version: 3, name: 'renamed', changeClaimId: null });
    // 95 % of the limit crossed the tenant's 80 and 90: announced with the update.
    expect(
      (await h.db.outboxEvent.findMany({ where: { subjectId: created.id }, orderBy: { seq: 'asc' } })).map(
        (row) => row.type,
      ),
    ).toEqual([
      'sub-user.created',
      'sub-user.updated',
      'sub-user.usage-threshold',
      'sub-user.usage-threshold',
    ]);

    let deleted: SubUserRecord | undefined;
    const deleting = await statementsDuring(h.app, async () => {
      deleted = (await h.ledger.markDeleted({ id: created.id, status: 'deleted', actor, before: updated! }))
        .record;
    });
    expect(deleting).toHaveLength(1);
    expect(asJson(deleted!)).toBe(await asStored(created.id));
    expect(deleted!).toMatchObject({ lifecycle: 'deleted', status: 'deleted', version: 4 });
  });

  it('an update whose record moved after the claim (a report bumped it) takes the long way', async () => {
    const command = intent(`race-${randomUUID().slice(0, 6)}`);
    const opened = await h.ledger.openIntent(command);
    const created = (await h.ledger.completeIntent({
      intentId: command.id,
      subUser: providerSubUser({ name: command.name! }),
      actor,
      via: 'create',
      opened,
    }))!;
    const claimed = (await h.ledger.claimChange(created.id, { ttlMs: 30_000 })) as ChangeClaim;
    await h.db.$executeRawUnsafe(
      'UPDATE sub_user_mappings SET version = version + 1 WHERE id = $1::uuid',
      created.id,
    );
    const updated = await h.ledger.recordUpdate({
      id: created.id,
      claimId: claimed.claimId,
      claimed,
      metadata: { plan: 'silver' },
      request: { metadata: { plan: 'silver' } },
      actor,
    });
    expect(updated).toMatchObject({ version: 4, metadata: { plan: 'silver' }, changeClaimId: null });
    expect(await h.db.auditEvent.count({ where: { targetId: created.id, action: 'sub-user.updated' } })).toBe(
      1,
    );
  });
});
