import { randomUUID } from 'node:crypto';
import { GatewayError } from '@app/domain';
import type { OpenIntentCommand } from '@app/persistence';
import { LedgerHarness, actor, providerSubUser, startLedger } from './ledger-harness';

/**
 * The ledger's transition rules, one test each, against a real database and without HTTP: what a
 * service may ask, what the ledger refuses, and that every recorded change has exactly one audit
 * row and one outbox event, written together or not at all.
 */
describe('the ledger (sub-user lifecycle)', () => {
  let h: LedgerHarness;

  beforeAll(async () => {
    h = await startLedger();
  });
  afterAll(async () => {
    await h?.close();
  });

  const intent = (overrides: Partial<OpenIntentCommand> = {}): OpenIntentCommand => ({
    id: randomUUID(),
    tenantId: 'default',
    providerAccountId: h.accountId,
    provider: 'proxyhat',
    name: 'one',
    gatewayNotes: null,
    metadata: {},
    createKey: null,
    evidence: {
      requested: { name: 'one' },
      echo: { name: 'one' },
      requestId: 'r',
      startedAt: new Date().toISOString(),
    },
    proxyPassword: `pw-${randomUUID()}`,
    trafficLimitBytes: null,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    ...overrides,
  });
  const auditOf = (targetId: string) =>
    h.db.auditEvent.findMany({ where: { targetId }, orderBy: { createdAt: 'asc' } });
  const eventsOf = (subjectId: string) =>
    h.db.outboxEvent.findMany({ where: { subjectId }, orderBy: { seq: 'asc' } });

  /** An active record made the way creates make them. */
  async function activeRecord(name = `n-${randomUUID().slice(0, 8)}`) {
    const opened = await h.ledger.openIntent(
      intent({ name, evidence: { ...intent().evidence, echo: { name } } }),
    );
    const subUser = providerSubUser({ name });
    return (await h.ledger.completeIntent({ intentId: opened.id, subUser, actor, via: 'create' }))!;
  }

  it('opens an intent as provisioning, and refuses a second one it could not be told apart from', async () => {
    const name = `twin-${randomUUID().slice(0, 6)}`;
    // As a driver echoes a create that sets no limit: unlimited.
    const echo = { name, trafficLimitBytes: null };
    const first = await h.ledger.openIntent(
      intent({ name, evidence: { ...intent().evidence, echo }, proxyPassword: undefined }),
    );
    expect({ lifecycle: first.lifecycle, status: first.status }).toEqual({
      lifecycle: 'intent',
      status: 'provisioning',
    });
    const refusal = await h.ledger
      .openIntent(
        intent({
          tenantId: 'acme',
          name,
          evidence: { ...intent().evidence, echo },
          proxyPassword: undefined,
        }),
      )
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).code).toBe('CONFLICT');
    // A field the provider holds differently tells them apart: allowed.
    const other = await h.ledger.openIntent(
      intent({
        tenantId: 'acme',
        name,
        evidence: { ...intent().evidence, echo: { name, trafficLimitBytes: 1024 } },
      }),
    );
    expect(other.lifecycle).toBe('intent');
  });

  it('refuses a second intent under the same Idempotency-Key (the constraint decides, not a read)', async () => {
    const key = `key-${randomUUID()}`;
    const results = await Promise.allSettled([
      h.ledger.openIntent(
        intent({ createKey: key, name: 'k1', evidence: { ...intent().evidence, echo: { name: 'k1' } } }),
      ),
      h.ledger.openIntent(
        intent({ createKey: key, name: 'k2', evidence: { ...intent().evidence, echo: { name: 'k2' } } }),
      ),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(GatewayError);
    expect((refused.reason as GatewayError).code).toBe('IDEMPOTENCY_IN_PROGRESS');
  });

  it('completes an intent once, with exactly one audit row and one event', async () => {
    const opened = await h.ledger.openIntent(
      intent({ name: 'once', evidence: { ...intent().evidence, echo: { name: 'once' } } }),
    );
    const subUser = providerSubUser({ name: 'once' });
    const done = await h.ledger.completeIntent({ intentId: opened.id, subUser, actor, via: 'create' });
    expect(done).toMatchObject({
      lifecycle: 'active',
      status: 'active',
      providerSubUserId: subUser.providerSubUserId,
    });
    expect(await h.ledger.completeIntent({ intentId: opened.id, subUser, actor, via: 'sync' })).toBeNull();
    expect((await auditOf(opened.id)).map((row) => [row.action, row.outcome])).toEqual([
      ['sub-user.created', 'ok'],
    ]);
    expect((await eventsOf(opened.id)).map((row) => row.type)).toEqual(['sub-user.created']);
    // The password digest is gone once it has done its work.
    expect(JSON.stringify(done!.intent)).not.toContain('sha256');
  });

  it('never completes an intent with a sub-user whose evidence differs (another tenant’s password)', async () => {
    const opened = await h.ledger.openIntent(
      intent({
        tenantId: 'acme',
        name: 'mine',
        evidence: { ...intent().evidence, echo: { name: 'mine' } },
        proxyPassword: 'A'.repeat(20),
      }),
    );
    const theirs = providerSubUser({ name: 'mine', revealedPassword: 'B'.repeat(20) });
    expect(
      await h.ledger.completeIntent({ intentId: opened.id, subUser: theirs, actor, via: 'sync' }),
    ).toBeNull();
    const renamed = providerSubUser({ name: 'not-mine', revealedPassword: 'A'.repeat(20) });
    expect(
      await h.ledger.completeIntent({ intentId: opened.id, subUser: renamed, actor, via: 'sync' }),
    ).toBeNull();
    expect((await h.db.subUserMapping.findUniqueOrThrow({ where: { id: opened.id } })).lifecycle).toBe(
      'intent',
    );
    const ours = providerSubUser({ name: 'mine', revealedPassword: 'A'.repeat(20) });
    expect(
      await h.ledger.completeIntent({ intentId: opened.id, subUser: ours, actor, via: 'sync' }),
    ).toMatchObject({
      lifecycle: 'active',
      tenantId: 'acme',
    });
  });

  it('a failed create closes its intent only when nothing was certainly created; no event either way', async () => {
    const certain = await h.ledger.openIntent(
      intent({ name: 'refused', evidence: { ...intent().evidence, echo: { name: 'refused' } } }),
    );
    const uncertain = await h.ledger.openIntent(
      intent({ name: 'lost', evidence: { ...intent().evidence, echo: { name: 'lost' } } }),
    );
    await h.ledger.failIntent({
      intentId: certain.id,
      tenantId: 'default',
      certainlyNotCreated: true,
      failure: { code: 'PROVIDER_REJECTED' },
      actor,
    });
    await h.ledger.failIntent({
      intentId: uncertain.id,
      tenantId: 'default',
      certainlyNotCreated: false,
      failure: { code: 'PROVIDER_TIMEOUT' },
      actor,
    });
    expect(await h.db.subUserMapping.findUnique({ where: { id: certain.id } })).toBeNull();
    expect((await h.db.subUserMapping.findUniqueOrThrow({ where: { id: uncertain.id } })).lifecycle).toBe(
      'intent',
    );
    expect((await auditOf(certain.id)).map((row) => [row.action, row.outcome, row.errorCode])).toEqual([
      ['sub-user.created', 'error', 'PROVIDER_REJECTED'],
    ]);
    expect(await eventsOf(certain.id)).toEqual([]);
    expect(await eventsOf(uncertain.id)).toEqual([]);
  });

  it('gives one change claim at a time; the holder’s update bumps the version once', async () => {
    const record = await activeRecord();
    const claims = await Promise.all([
      h.ledger.claimChange(record.id, { expectedVersion: record.version, ttlMs: 30_000 }),
      h.ledger.claimChange(record.id, { expectedVersion: record.version, ttlMs: 30_000 }),
    ]);
    const won = claims.filter((claim) => typeof claim !== 'string');
    expect(won).toHaveLength(1);
    expect(claims.filter((claim) => typeof claim === 'string')).toEqual(['busy']);
    const { claimId } = won[0] as { claimId: string };
    const updated = await h.ledger.recordUpdate({
      id: record.id,
      claimId,
      metadata: { plan: 'gold' },
      request: { metadata: { plan: 'gold' } },
      actor,
    });
    expect(updated).toMatchObject({
      version: record.version + 1,
      metadata: { plan: 'gold' },
      changeClaimId: null,
    });
    expect(await h.ledger.claimChange(record.id, { expectedVersion: record.version, ttlMs: 30_000 })).toBe(
      'precondition-failed',
    );
    const events = await eventsOf(record.id);
    expect(events.map((event) => event.type)).toEqual(['sub-user.created', 'sub-user.updated']);
    expect(events[1].changes).toEqual({ before: { metadata: {} }, after: { metadata: { plan: 'gold' } } });
  });

  it('an expired claim (its process died) can be taken over', async () => {
    const record = await activeRecord();
    expect(typeof (await h.ledger.claimChange(record.id, { ttlMs: 1 }))).toBe('object');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(typeof (await h.ledger.claimChange(record.id, { ttlMs: 30_000 }))).toBe('object');
  });

  it('nothing leaves deleting or deleted: late answers, reports and claims are refused', async () => {
    const record = await activeRecord();
    const claim = await h.ledger.claimChange(record.id, { ttlMs: 30_000 });
    const deleting = await h.ledger.markDeleted({ id: record.id, status: 'deleting', actor });
    expect(deleting).toMatchObject({ changed: true, record: { status: 'deleting', lifecycle: 'active' } });
    // The change that was in flight answers late: refused, the claim released.
    const late = await h.ledger.recordUpdate({
      id: record.id,
      claimId: (claim as { claimId: string }).claimId,
      subUser: providerSubUser({ providerSubUserId: record.providerSubUserId!, name: 'resurrected' }),
      request: {},
      actor,
    });
    expect(late).toBeNull();
    const report = await h.ledger.applySnapshot(
      {
        record: deleting.record,
        // The provider still reports it active (its delete finishes later): it stays deleting.
        subUser: providerSubUser({
          providerSubUserId: record.providerSubUserId!,
          name: record.name!,
          status: 'active',
        }),
      },
      actor,
    );
    expect(report.status).toBe('deleting');
    expect(await h.ledger.claimChange(record.id, { ttlMs: 30_000 })).toBe('final');
    const deleted = await h.ledger.markDeleted({
      id: record.id,
      status: 'deleted',
      actor,
      confirmedBy: 'sync',
    });
    expect(deleted.record).toMatchObject({ status: 'deleted', lifecycle: 'deleted' });
    // Deleting again is recorded (the provider was asked) but announces nothing new.
    const again = await h.ledger.markDeleted({ id: record.id, status: 'deleting', actor });
    expect(again).toMatchObject({ changed: false, record: { status: 'deleted' } });
    expect((await eventsOf(record.id)).map((event) => event.type)).toEqual([
      'sub-user.created',
      'sub-user.deleting',
      'sub-user.deleted',
    ]);
  });

  it('records provider-side changes as drift (audited, announced) and usage silently', async () => {
    const record = await activeRecord();
    const current = providerSubUser({ providerSubUserId: record.providerSubUserId!, name: record.name! });
    const usage = await h.ledger.applySnapshot(
      { record, subUser: { ...current, traffic: { ...current.traffic, usedBytes: 5000 } } },
      actor,
    );
    expect(usage.version).toBe(record.version + 1);
    expect((await auditOf(record.id)).map((row) => row.action)).toEqual(['sub-user.created']);
    const drifted = await h.ledger.applySnapshot(
      { record: usage, subUser: { ...current, name: 'renamed-there' } },
      actor,
    );
    expect(drifted.name).toBe('renamed-there');
    expect((await auditOf(record.id)).map((row) => row.action)).toEqual([
      'sub-user.created',
      'sub-user.drift',
    ]);
    const events = await eventsOf(record.id);
    expect(events.map((event) => event.type)).toEqual(['sub-user.created', 'sub-user.drift-detected']);
    // A report read before a newer write changes nothing.
    expect(
      (await h.ledger.applySnapshot({ record: usage, subUser: { ...current, name: 'stale' } }, actor)).name,
    ).toBe('renamed-there');
  });

  it('stores a provider value PostgreSQL refuses escaped instead of failing the account', async () => {
    const record = await activeRecord();
    const hostile = providerSubUser({ providerSubUserId: record.providerSubUserId!, name: 'p\u0000q\ud800' });
    const [outcome] = await h.ledger.applySnapshots([{ record, subUser: hostile }], actor, new Date());
    expect(outcome.applied).toBe(true);
    expect((await h.db.subUserMapping.findUniqueOrThrow({ where: { id: record.id } })).name).toBe(
      'p\\u0000q\\ud800',
    );
  });

  it('marks a sub-user the provider lost as unknown, and a later report brings it back', async () => {
    const record = await activeRecord();
    const unknown = await h.ledger.markUnknown(record, actor);
    expect(unknown?.status).toBe('unknown');
    const back = await h.ledger.applySnapshot(
      {
        record: unknown!,
        subUser: providerSubUser({ providerSubUserId: record.providerSubUserId!, name: record.name! }),
      },
      actor,
    );
    expect(back.status).toBe('active');
  });

  it('adopts a batch with one audit row and one event each, skipping what another writer stored', async () => {
    const known = await activeRecord();
    const strangers = [providerSubUser({ name: 'a1' }), providerSubUser({ name: 'a2' })];
    const duplicate = providerSubUser({ providerSubUserId: known.providerSubUserId!, name: known.name! });
    const adopted = await h.ledger.adopt({
      providerAccountId: h.accountId,
      provider: 'proxyhat',
      tenantId: 'default',
      subUsers: [...strangers, duplicate],
      actor,
    });
    expect(adopted.map((row) => row.name).sort()).toEqual(['a1', 'a2']);
    for (const row of adopted) {
      expect((await auditOf(row.id)).map((audit) => audit.action)).toEqual(['sub-user.adopted']);
      expect((await eventsOf(row.id)).map((event) => event.type)).toEqual(['sub-user.adopted']);
    }
  });

  it('writes a change with its audit row and event together or not at all (a failure halfway)', async () => {
    const opened = await h.ledger.openIntent(
      intent({ name: 'halfway', evidence: { ...intent().evidence, echo: { name: 'halfway' } } }),
    );
    // The event insert fails inside the transaction: the mapping and the audit row must not stay.
    await h.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'outbox refused'; END $$`);
    await h.db.$executeRawUnsafe(
      'CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse_outbox()',
    );
    try {
      await expect(
        h.ledger.completeIntent({
          intentId: opened.id,
          subUser: providerSubUser({ name: 'halfway' }),
          actor,
          via: 'create',
        }),
      ).rejects.toThrow(/outbox refused/);
    } finally {
      await h.db.$executeRawUnsafe('DROP TRIGGER refuse_outbox ON outbox_events');
      await h.db.$executeRawUnsafe('DROP FUNCTION refuse_outbox()');
    }
    expect((await h.db.subUserMapping.findUniqueOrThrow({ where: { id: opened.id } })).lifecycle).toBe(
      'intent',
    );
    expect(await auditOf(opened.id)).toEqual([]);
    expect(await eventsOf(opened.id)).toEqual([]);
  });
});
