import request from 'supertest';
import type { FaultMode, Operation as SandboxOperation } from '@app/sandbox';
import { FaultRegistry } from '../../apps/sandbox/src/faults';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { FAST_REGISTRY, createSubUser, waitForJob } from '../sub-users/sub-users-helpers';
import {
  PROVIDERS,
  ProviderName,
  assertInvariants,
  auditByRequest,
  createBodyFor,
  expectProblem,
  heldNameOf,
  requestId,
  syncAll,
} from './invariants';

const GB = 1024 ** 3;

/**
 * A change that reaches the provider, and how the sub-user reads with and without it: IPRoyal
 * keeps no name (the gateway does, without a provider call), so its change is the allocation.
 */
function providerChange(provider: ProviderName, target: Record<string, any>) {
  return provider === 'iproyal'
    ? {
        body: { trafficLimit: '2GB' },
        applied: { traffic: expect.objectContaining({ limitBytes: 2 * GB }) },
        unchanged: { traffic: expect.objectContaining({ limitBytes: GB }) },
      }
    : {
        body: { name: `${target.name}-renamed` },
        applied: { name: `${target.name}-renamed` },
        unchanged: { name: target.name },
      };
}

type Operation = 'create' | 'update' | 'delete' | 'bulk-delete';
const OPERATIONS: readonly Operation[] = ['create', 'update', 'delete', 'bulk-delete'];

interface FaultCase {
  label: string;
  mode: FaultMode;
  /** The HTTP status of the provider for mode 'error'. */
  status?: number;
  expected: { status: number; code: string };
}

/** Each fault stays on until the scenario's request has ended: a burst longer than the retries. */
const FAULTS: readonly FaultCase[] = [
  {
    label: '5xx burst (500)',
    mode: 'error',
    status: 500,
    expected: { status: 503, code: 'PROVIDER_UNAVAILABLE' },
  },
  {
    label: '5xx burst (503)',
    mode: 'error',
    status: 503,
    expected: { status: 503, code: 'PROVIDER_UNAVAILABLE' },
  },
  { label: '429 storm', mode: 'rate-limit', expected: { status: 503, code: 'PROVIDER_RATE_LIMITED' } },
  {
    label: 'timeout before processing',
    mode: 'timeout-before',
    expected: { status: 504, code: 'PROVIDER_TIMEOUT' },
  },
  {
    label: 'timeout after processing',
    mode: 'timeout-after',
    expected: { status: 504, code: 'PROVIDER_TIMEOUT' },
  },
  { label: 'dropped connection', mode: 'drop', expected: { status: 503, code: 'PROVIDER_UNAVAILABLE' } },
];

const ACTION: Record<Exclude<Operation, 'bulk-delete'>, string> = {
  create: 'sub-user.created',
  update: 'sub-user.updated',
  delete: 'sub-user.deleted',
};

function sandboxOperation(provider: ProviderName, operation: Operation): SandboxOperation {
  if (operation === 'bulk-delete') return provider === 'proxyhat' ? 'bulkDelete' : 'delete';
  return operation;
}

interface Scenario {
  provider: ProviderName;
  operation: Operation;
  fault: FaultCase;
}

const SCENARIOS: Scenario[] = PROVIDERS.flatMap((provider) =>
  OPERATIONS.flatMap((operation) => FAULTS.map((fault) => ({ provider, operation, fault }))),
);

/** Names made by this file (IPRoyal: usernames): each at most once at the provider (no create sent twice). */
const OURS = /^flt(?!.*idem-?retry)/; // the doubled retry is asserted by its own test

describe('upstream faults during create, update, delete and bulk delete (every provider)', () => {
  let gateway: RunningGateway;
  let faultsInjected = 0;
  let requestsSent = 0;
  let invariantChecks = 0;
  let scenariosRun = 0;
  let serial = 0;
  // Every fault the sandbox applies passes through FaultRegistry.take: count them.
  const original = FaultRegistry.prototype.take;
  const takeSpy = jest.spyOn(FaultRegistry.prototype, 'take').mockImplementation(function (
    this: FaultRegistry,
    ...args
  ) {
    const fault = original.apply(this, args);
    if (fault) faultsInjected += 1;
    return fault;
  });

  beforeAll(async () => {
    gateway = await startTestGateway(
      { ...SANDBOX_ENV, UPSTREAM_TIMEOUT_MS: '800' },
      { registry: FAST_REGISTRY },
    );
    // ProxyHat deletes stay `Deleting` for the whole run: the state compared is stable.
    sandboxOf(gateway).control.configure({ asyncDeleteMs: 600_000, rateLimits: false });
    await syncAll(gateway); // adopts the ProxyHat default sub-user: a clean start for the invariants
  });
  afterAll(async () => {
    takeSpy.mockRestore();
    await gateway?.close();
    console.log(
      `faults suite: ${scenariosRun} scenarios, ${requestsSent} requests sent, ${faultsInjected} faults injected, ${invariantChecks} invariant checks passed`,
    );
  });
  afterEach(() => sandboxOf(gateway).control.clearFaults());

  const nameFor = (provider: ProviderName, label: string) => `flt-${provider}-${label}-${(serial += 1)}`;

  async function finish(): Promise<void> {
    sandboxOf(gateway).control.clearFaults();
    await syncAll(gateway);
    const report = await assertInvariants(gateway, { uniqueNames: (name) => OURS.test(name) });
    invariantChecks += report.checks;
    scenariosRun += 1;
  }

  it.each(
    SCENARIOS.map(
      (scenario) => [scenario.provider, scenario.operation, scenario.fault.label, scenario] as const,
    ),
  )(
    '%s %s under %s: problem+json with the right code, one audit event, invariants hold after a sync',
    async (provider, operation, _label, { fault }) => {
      const { control } = sandboxOf(gateway);
      const rid = requestId('flt');
      const arm = () =>
        control.addFault({
          provider,
          operation: sandboxOperation(provider, operation),
          mode: fault.mode,
          status: fault.status,
        });

      if (operation === 'create') {
        const name = nameFor(provider, 'create');
        arm();
        const response = await request(gateway.url)
          .post('/v1/sub-users')
          .set(admin)
          .set('X-Request-Id', rid)
          .send({ ...createBodyFor(provider, name), metadata: { suite: 'faults' } });
        requestsSent += 1;
        expectFailure(response, provider, fault, rid);
        const events = await auditByRequest(gateway, rid);
        expect(events).toEqual([
          expect.objectContaining({
            action: ACTION.create,
            outcome: 'error',
            errorCode: fault.expected.code,
          }),
        ]);
        // Refused for certain (429) → no row; uncertain → the intent stays open for the sync.
        const rows = await request(gateway.url)
          .get('/v1/sub-users')
          .query({ q: name, status: 'provisioning' })
          .set(admin)
          .expect(200);
        requestsSent += 1;
        expect(rows.body.items).toHaveLength(fault.mode === 'rate-limit' ? 0 : 1);
        await finish();
        const after = await request(gateway.url)
          .get('/v1/sub-users')
          .query({ q: name })
          .set(admin)
          .expect(200);
        requestsSent += 1;
        const atProvider = namesAt(provider).filter((item) => item === heldNameOf(provider, name)).length;
        // The sync completed the intent when the provider made it (timeout after processing).
        if (fault.mode === 'timeout-after') {
          expect(atProvider).toBe(1);
          expect(after.body.items).toEqual([
            expect.objectContaining({ name, status: 'active', providerSubUserId: expect.any(String) }),
          ]);
        } else {
          expect(atProvider).toBe(0);
        }
        return;
      }

      if (operation === 'update' || operation === 'delete') {
        const target = await createSubUser(gateway, createBodyFor(provider, nameFor(provider, operation)));
        requestsSent += 1;
        arm();
        const change = providerChange(provider, target);
        const response =
          operation === 'update'
            ? await request(gateway.url)
                .patch(`/v1/sub-users/${target.id}`)
                .set(admin)
                .set('X-Request-Id', rid)
                .send(change.body)
            : await request(gateway.url)
                .delete(`/v1/sub-users/${target.id}`)
                .set(admin)
                .set('X-Request-Id', rid);
        requestsSent += 1;
        expectFailure(response, provider, fault, rid);
        const events = await auditByRequest(gateway, rid);
        expect(events).toEqual([
          expect.objectContaining({
            action: ACTION[operation],
            outcome: 'error',
            errorCode: fault.expected.code,
            targetId: target.id,
          }),
        ]);
        await finish();
        const after = await request(gateway.url).get(`/v1/sub-users/${target.id}`).set(admin).expect(200);
        requestsSent += 1;
        if (fault.mode === 'timeout-after') {
          // The provider made the change; the sync brought the mapping in line with it.
          if (operation === 'update')
            expect(after.body).toMatchObject({ ...change.applied, status: 'active' });
          else expect(after.body.status).toBe(provider === 'proxyhat' ? 'deleting' : 'deleted');
        } else {
          expect(after.body).toMatchObject({ ...change.unchanged, status: 'active' });
        }
        return;
      }

      // bulk delete: two sub-users of the provider; the job reports one outcome per id.
      const targets = [
        await createSubUser(gateway, createBodyFor(provider, nameFor(provider, 'bulk'))),
        await createSubUser(gateway, createBodyFor(provider, nameFor(provider, 'bulk'))),
      ];
      requestsSent += 2;
      arm();
      const accepted = await request(gateway.url)
        .post('/v1/sub-users/bulk-delete')
        .set(admin)
        .set('X-Request-Id', rid)
        .send({ ids: targets.map((target) => target.id) })
        .expect(202);
      requestsSent += 1;
      const job = await waitForJob(gateway, accepted.body.id);
      requestsSent += 1;
      expect(job.status).toBe('succeeded');
      expect(job.counts).toEqual({ requested: 2, deleted: 0, skipped: 0, notFound: 0, failed: 2 });
      for (const target of targets) {
        expect(job.results).toContainEqual(
          expect.objectContaining({
            id: target.id,
            outcome: 'failed',
            error: expect.objectContaining({ code: fault.expected.code }),
          }),
        );
      }
      // No failed item is recorded as a success (that each one is audited as an error is below).
      const events = await auditByRequest(gateway, rid);
      expect(events.filter((event) => event.outcome === 'ok')).toEqual([]);
      await finish();
    },
  );

  it.each(PROVIDERS)(
    '%s: every failed bulk-delete item has one audit event with its error code',
    async (provider) => {
      const targets = [
        await createSubUser(gateway, createBodyFor(provider, nameFor(provider, 'bulk-audit'))),
        await createSubUser(gateway, createBodyFor(provider, nameFor(provider, 'bulk-audit'))),
      ];
      requestsSent += 2;
      const rid = requestId('flt-bulk-audit');
      sandboxOf(gateway).control.addFault({
        provider,
        operation: sandboxOperation(provider, 'bulk-delete'),
        mode: 'error',
        status: 503,
      });
      const accepted = await request(gateway.url)
        .post('/v1/sub-users/bulk-delete')
        .set(admin)
        .set('X-Request-Id', rid)
        .send({ ids: targets.map((target) => target.id) })
        .expect(202);
      const job = await waitForJob(gateway, accepted.body.id);
      requestsSent += 2;
      expect(job.counts).toMatchObject({ requested: 2, failed: 2 });
      sandboxOf(gateway).control.clearFaults();
      const events = await auditByRequest(gateway, rid);
      for (const target of targets) {
        expect({ target: target.id, events: events.filter((event) => event.targetId === target.id) }).toEqual(
          {
            target: target.id,
            events: [
              expect.objectContaining({
                action: ACTION.delete,
                outcome: 'error',
                errorCode: 'PROVIDER_UNAVAILABLE',
              }),
            ],
          },
        );
      }
      await finish();
    },
  );

  it.each(PROVIDERS)(
    '%s: a create retried with its Idempotency-Key after a timeout is not sent twice',
    async (provider) => {
      const { control } = sandboxOf(gateway);
      const name = nameFor(provider, 'idem-retry');
      const key = requestId('flt-idem');
      const body = createBodyFor(provider, name);
      control.addFault({ provider, operation: 'create', mode: 'timeout-after', times: 1 });
      const first = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(body);
      expectProblem(first, 504, 'PROVIDER_TIMEOUT');
      // The caller does what the API tells it to: retry with the same key.
      const retry = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('Idempotency-Key', key)
        .send(body);
      requestsSent += 2;
      expect(retry.status).toBeLessThan(500);
      const held = heldNameOf(provider, name);
      expect({ name, atProvider: namesAt(provider).filter((item) => item === held).length }).toEqual({
        name,
        atProvider: 1,
      });
      await finish();
    },
  );

  describe('a burst shorter than the retries is absorbed: one answer, one audit event', () => {
    it.each(PROVIDERS)('%s', async (provider) => {
      const { control } = sandboxOf(gateway);
      // 429 once on create: certainly not processed, so resent.
      const createId = requestId('flt-recover');
      control.addFault({ provider, operation: 'create', mode: 'rate-limit', retryAfter: 0, times: 1 });
      const created = await request(gateway.url)
        .post('/v1/sub-users')
        .set(admin)
        .set('X-Request-Id', createId)
        .send(createBodyFor(provider, nameFor(provider, 'recover')))
        .expect(201);
      requestsSent += 1;
      expect(await auditByRequest(gateway, createId)).toEqual([
        expect.objectContaining({ action: ACTION.create, outcome: 'ok', errorCode: null }),
      ]);

      // One 503 and one dropped connection on idempotent calls: resent, succeed.
      for (const [operation, mode] of [
        ['update', 'error'],
        ['delete', 'drop'],
      ] as const) {
        const rid = requestId('flt-recover');
        control.addFault({ provider, operation, mode, status: 503, times: 1 });
        const response =
          operation === 'update'
            ? await request(gateway.url)
                .patch(`/v1/sub-users/${created.body.id}`)
                .set(admin)
                .set('X-Request-Id', rid)
                .send(providerChange(provider, created.body).body)
            : await request(gateway.url)
                .delete(`/v1/sub-users/${created.body.id}`)
                .set(admin)
                .set('X-Request-Id', rid);
        requestsSent += 1;
        expect(response.status).toBe(200);
        expect(await auditByRequest(gateway, rid)).toEqual([
          expect.objectContaining({
            action: ACTION[operation],
            outcome: 'ok',
            errorCode: null,
            targetId: created.body.id,
          }),
        ]);
      }
      expect(control.faults()).toEqual([]);
      await finish();
    });
  });

  function namesAt(provider: ProviderName): string[] {
    const { control } = sandboxOf(gateway);
    if (provider === 'iproyal') return control.state('iproyal').map((entry) => entry.username);
    return provider === 'webshare'
      ? control.state('webshare').map((entry) => entry.label)
      : control.state('proxyhat').map((entry) => entry.name ?? '');
  }
});

function expectFailure(
  response: request.Response,
  provider: ProviderName,
  fault: FaultCase,
  rid: string,
): void {
  expectProblem(response, fault.expected.status, fault.expected.code);
  expect(response.body).toMatchObject({ provider, requestId: rid });
  if (fault.mode === 'rate-limit') expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}
