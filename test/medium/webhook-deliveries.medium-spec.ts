import { randomUUID } from 'node:crypto';
import {
  type ClaimedDelivery,
  Transactions,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@app/persistence';
import { LedgerHarness, actor, startLedger } from './ledger-harness';

/**
 * Delivery bookkeeping against a real database, without HTTP: what the ledger fans out, and how
 * deliveries are claimed (order per sub-user, leases, replicas, per-endpoint caps) and recorded.
 */
describe('webhook deliveries (repository)', () => {
  let h: LedgerHarness;
  let deliveries: WebhookDeliveryRepository;
  let endpoints: WebhookEndpointRepository;
  let transactions: Transactions;

  beforeAll(async () => {
    h = await startLedger();
    deliveries = h.app.get(WebhookDeliveryRepository);
    endpoints = h.app.get(WebhookEndpointRepository);
    transactions = h.app.get(Transactions);
  });
  afterEach(async () => {
    // Each test starts without endpoints (their deliveries go with them).
    await h.db.webhookEndpoint.deleteMany({});
  });
  afterAll(async () => {
    await h?.close();
  });

  const endpoint = (fields: { tenantId?: string | null; eventTypes?: string[]; enabled?: boolean } = {}) =>
    transactions.run(async (tx) => {
      const created = await endpoints.create(
        {
          id: randomUUID(),
          tenantId: fields.tenantId === undefined ? null : fields.tenantId,
          url: 'http://127.0.0.1:9/hook',
          eventTypes: fields.eventTypes ?? [],
          description: null,
          secretCiphertext: 'sealed',
          secretKeyId: 'k',
        },
        tx,
      );
      return fields.enabled === false ? endpoints.update(created.id, { enabled: false }, tx) : created;
    });

  /** One recorded change of `subject`, announced as `type`. */
  const announce = (subject: string, type = 'sub-user.updated', tenantId = 'default') =>
    h.ledger.recordChange({
      action: type,
      targetType: 'sub-user',
      targetId: subject,
      tenantId,
      actor,
      announce: { type, data: { id: subject } },
    });

  const claim = (owner: string, options: { limit?: number; perEndpoint?: number; leaseMs?: number } = {}) =>
    deliveries.claimDue({
      owner,
      leaseMs: options.leaseMs ?? 30_000,
      limit: options.limit ?? 100,
      perEndpoint: options.perEndpoint ?? 100,
      busy: new Map(),
      now: new Date(),
    });

  const succeed = (delivery: ClaimedDelivery, owner: string) =>
    deliveries.recordSuccess(delivery.id, owner, { at: new Date(), statusCode: 200, durationMs: 1 });

  const subjectsOf = (claimed: ClaimedDelivery[]) =>
    claimed.map((delivery) => delivery.event!.subjectId).sort();

  it('is owed to every enabled endpoint that wants the event: its tenant’s, or every tenant’s', async () => {
    const all = await endpoint({ tenantId: 'default' });
    const other = await endpoint({ tenantId: 'acme' });
    const typed = await endpoint({ eventTypes: ['sub-user.created'] });
    const off = await endpoint({ enabled: false });
    await announce('s-1', 'sub-user.created');
    await announce('s-2', 'sub-user.updated');
    const owed = await h.db.webhookDelivery.findMany({ orderBy: { eventSeq: 'asc' } });
    expect(owed.map((row) => [row.endpointId, row.subjectId, row.eventType, row.status])).toEqual(
      expect.arrayContaining([
        [all.id, 's-1', 'sub-user.created', 'pending'],
        [typed.id, 's-1', 'sub-user.created', 'pending'],
        [all.id, 's-2', 'sub-user.updated', 'pending'],
      ]),
    );
    expect(owed).toHaveLength(3);
    expect(owed.some((row) => [other.id, off.id].includes(row.endpointId))).toBe(false);
  });

  it('hands out only the oldest pending event of each sub-user per endpoint', async () => {
    await endpoint();
    for (const subject of ['a', 'a', 'a', 'b', 'b']) await announce(subject);
    const first = await claim('one');
    expect(subjectsOf(first)).toEqual(['a', 'b']);
    expect(await claim('two')).toEqual([]);

    const [a1, b1] = [
      first.find((d) => d.event!.subjectId === 'a')!,
      first.find((d) => d.event!.subjectId === 'b')!,
    ];
    expect(await succeed(a1, 'one')).toBe(true);
    const next = await claim('two');
    expect(next.map((delivery) => delivery.event!.subjectId)).toEqual(['a']);
    expect(next[0].event!.id).not.toBe(a1.event!.id);

    // b's first event failed and waits for its retry: b's next event waits behind it.
    const later = new Date(Date.now() + 60_000);
    await deliveries.recordFailure(b1.id, 'one', {
      at: new Date(),
      statusCode: 500,
      durationMs: 1,
      error: 'answered 500',
      responseBody: 'no',
      nextAttemptAt: later,
    });
    expect(await claim('three')).toEqual([]);
    // Given up, it no longer holds the others back.
    const retried = await deliveries.claimOne(b1.id, 'three', 30_000, new Date());
    await deliveries.recordFailure(retried!.id, 'three', {
      at: new Date(),
      statusCode: 500,
      durationMs: 1,
      error: 'answered 500',
      responseBody: null,
      nextAttemptAt: null,
    });
    const row = await h.db.webhookDelivery.findUniqueOrThrow({ where: { id: b1.id } });
    expect({ status: row.status, attempts: row.attempts }).toEqual({ status: 'failed', attempts: 2 });
    expect(subjectsOf(await claim('three'))).toEqual(['b']);
  });

  it('never gives two claimers the same delivery', async () => {
    await endpoint();
    await endpoint();
    for (let n = 0; n < 30; n += 1) await announce(`c-${n}`);
    const [one, two] = await Promise.all([claim('one', { limit: 40 }), claim('two', { limit: 40 })]);
    const ids = [...one, ...two].map((delivery) => delivery.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await claim('three');
    expect(ids.length + rest.length).toBe(60);
    expect(await claim('four')).toEqual([]);
  });

  it('lets another claimer take over a lease that ran out; the old holder then records nothing', async () => {
    await endpoint();
    await announce('lease');
    const [held] = await claim('slow', { leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [taken] = await claim('fast');
    expect(taken.id).toBe(held.id);
    expect(await deliveries.isLeased(held.id, new Date())).toBe(true);
    expect(await succeed(held, 'slow')).toBe(false);
    expect(await succeed(taken, 'fast')).toBe(true);
    expect(await deliveries.isLeased(held.id, new Date())).toBe(false);
    const row = await h.db.webhookDelivery.findUniqueOrThrow({ where: { id: held.id } });
    expect({ status: row.status, attempts: row.attempts }).toEqual({ status: 'succeeded', attempts: 1 });
  });

  it('keeps an endpoint within its share, counting what the claimer already sends', async () => {
    const busy = await endpoint();
    const idle = await endpoint();
    for (let n = 0; n < 6; n += 1) await announce(`share-${n}`);
    const claimed = await deliveries.claimDue({
      owner: 'one',
      leaseMs: 30_000,
      limit: 100,
      perEndpoint: 4,
      busy: new Map([[busy.id, 3]]),
      now: new Date(),
    });
    const count = (id: string) => claimed.filter((delivery) => delivery.endpointId === id).length;
    expect({ busy: count(busy.id), idle: count(idle.id) }).toEqual({ busy: 1, idle: 4 });
  });

  it('sends nothing to a disabled endpoint from the poll, but a test goes; a requeue sends a delivery again', async () => {
    const off = await endpoint({ enabled: false });
    const test = await deliveries.addTestDelivery({
      id: randomUUID(),
      endpointId: off.id,
      eventId: randomUUID(),
      at: new Date(),
    });
    expect(await claim('poll')).toEqual([]);
    const now = await deliveries.claimOne(test.id, 'test', 30_000, new Date());
    expect(now).toMatchObject({ id: test.id, eventType: 'webhook.test', event: null, attempts: 0 });
    expect(await deliveries.claimOne(test.id, 'other', 30_000, new Date())).toBeNull();
    expect(await succeed(now!, 'test')).toBe(true);
    expect(await deliveries.claimOne(test.id, 'test', 30_000, new Date())).toBeNull();

    const again = await deliveries.requeue(off.id, test.id, new Date());
    expect({ status: again!.status, attempts: again!.attempts }).toEqual({ status: 'pending', attempts: 1 });
    expect(await deliveries.requeue(randomUUID(), test.id, new Date())).toBeNull();
    expect((await deliveries.claimOne(test.id, 'test', 30_000, new Date()))?.id).toBe(test.id);
  });

  it('reports what enabled endpoints are owed and how long the oldest has waited', async () => {
    await endpoint();
    await endpoint({ enabled: false });
    const before = new Date();
    await announce('q-1');
    await announce('q-2');
    const stats = await deliveries.queueStats(new Date(before.getTime() + 5000));
    expect(stats.depth).toBe(2);
    expect(stats.oldestAgeSeconds).toBeGreaterThanOrEqual(4);
    expect(stats.oldestAgeSeconds).toBeLessThanOrEqual(5);
    for (const delivery of await claim('one')) await succeed(delivery, 'one');
    expect(await deliveries.queueStats(new Date())).toEqual({ depth: 0, oldestAgeSeconds: 0 });
  });

  it('starts an endpoint’s failing streak once, ends it with a success, and disables it once', async () => {
    const failing = await endpoint({ tenantId: 'streak' });
    // Two deliveries in flight at once: the streak the first one's failure starts after both were
    // claimed is ended by the second one's success.
    await announce('streak-1', 'sub-user.updated', 'streak');
    await announce('streak-2', 'sub-user.updated', 'streak');
    const inFlight = (await claim('streak')).filter((delivery) => delivery.endpointId === failing.id);
    expect(inFlight).toHaveLength(2);
    const first = new Date('2026-03-01T00:00:00.000Z');
    expect(await endpoints.noteFailure(failing.id, first)).toEqual(first);
    expect(await endpoints.noteFailure(failing.id, new Date('2026-03-02T00:00:00.000Z'))).toEqual(first);
    expect(await succeed(inFlight[1], 'streak')).toBe(true);
    const restart = new Date('2026-03-03T00:00:00.000Z');
    expect(await endpoints.noteFailure(failing.id, restart)).toEqual(restart);
    // A streak that ended (here: the first one) no longer switches the endpoint off.
    expect(await transactions.run((tx) => endpoints.disable(failing.id, 'failing', first, tx))).toBeNull();
    const disabled = await transactions.run((tx) => endpoints.disable(failing.id, 'failing', restart, tx));
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(await transactions.run((tx) => endpoints.disable(failing.id, 'failing', restart, tx))).toBeNull();
    expect(await endpoints.noteFailure(failing.id, new Date())).toBeNull();
  });
});
