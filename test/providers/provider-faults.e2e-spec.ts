import { echoMatches } from '@app/domain';
import type { CallEvent, RetryEvent } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import {
  ALL_PROVIDERS,
  MISSING_IDS,
  RegistryPool,
  SANDBOX_PATHS,
  accountFor,
  namedInput,
  rejectionOf,
  storedIdentities,
} from './provider-test-kit';

/** Resilience against injected faults, for every driver: retries, circuit breaker, timeouts, single creates. */
describe.each(ALL_PROVIDERS)('provider faults: %s', (provider) => {
  let sandbox: RunningSandbox;
  const pool = new RegistryPool();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, rateLimits: false, asyncDeleteMs: 200 });
  });
  afterAll(async () => {
    await pool.closeAll();
    await sandbox.close();
  });
  beforeEach(() => sandbox.control.reset());
  afterEach(() => pool.closeAll());

  async function seededId(): Promise<string> {
    const setup = pool.driver(sandbox, provider);
    const created = await setup.create({ name: 'fault-target' });
    sandbox.control.resetCalls();
    return created.providerSubUserId;
  }

  it('retries a 429 after its Retry-After and succeeds', async () => {
    const id = await seededId();
    const retries: RetryEvent[] = [];
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { hooks: { onRetry: (e) => retries.push(e) } },
    });
    sandbox.control.addFault({ provider, operation: 'get', mode: 'rate-limit', retryAfter: 1, times: 1 });
    const startedAt = Date.now();
    await expect(driver.get(id)).resolves.toMatchObject({ providerSubUserId: id });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
    expect(retries).toEqual([
      expect.objectContaining({ provider, operation: 'get', attempt: 1, delayMs: 1000 }),
    ]);
  });

  it('retries a 429 without Retry-After on its own backoff and succeeds', async () => {
    const id = await seededId();
    const retries: RetryEvent[] = [];
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { hooks: { onRetry: (e) => retries.push(e) } },
    });
    // The provider's error body with status 429 and no Retry-After header.
    sandbox.control.addFault({ provider, operation: 'get', mode: 'error', status: 429, times: 1 });
    await expect(driver.get(id)).resolves.toMatchObject({ providerSubUserId: id });
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
    // Exponential backoff with half jitter from the test kit's 10 ms base: 5–10 ms.
    expect(retries).toEqual([expect.objectContaining({ provider, operation: 'get', attempt: 1 })]);
    expect(retries[0].delayMs).toBeGreaterThanOrEqual(5);
    expect(retries[0].delayMs).toBeLessThanOrEqual(10);
  });

  it('reports PROVIDER_RATE_LIMITED without a Retry-After when header-less 429s outlast the retries', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider);
    sandbox.control.addFault({ provider, operation: 'get', mode: 'error', status: 429 });
    const error = await rejectionOf(driver.get(id));
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', status: 503, providerStatus: 429 });
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(3);
  });

  it('reports PROVIDER_RATE_LIMITED with Retry-After when 429s outlast the retries', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { retry: { maxAttempts: 2, retryAfterCapMs: 1_000 } },
    });
    sandbox.control.addFault({ provider, operation: 'get', mode: 'rate-limit', retryAfter: 1 });
    const error = await rejectionOf(driver.get(id));
    expect(error).toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      status: 503,
      providerStatus: 429,
      retryAfterSeconds: 1,
    });
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
  });

  it('answers a Retry-After longer than the cap at once instead of resending after the cap', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { retry: { maxAttempts: 3, retryAfterCapMs: 50 } },
    });
    sandbox.control.addFault({ provider, operation: 'get', mode: 'rate-limit', retryAfter: 7 });
    const error = await rejectionOf(driver.get(id));
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfterSeconds: 7 });
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(1);
  });

  it('opens the circuit on a 503 burst, then fails fast without calling the provider', async () => {
    const id = await seededId();
    const states: string[] = [];
    const calls: CallEvent[] = [];
    const retries: RetryEvent[] = [];
    const driver = pool.driver(sandbox, provider, {
      driverOptions: {
        circuit: { threshold: 3 },
        hooks: {
          onCircuitStateChange: (e) => states.push(e.state),
          onCall: (e) => calls.push(e),
          onRetry: (e) => retries.push(e),
        },
      },
    });
    sandbox.control.addFault({ provider, operation: '*', mode: 'error', status: 503 });
    const first = await rejectionOf(driver.get(id));
    expect(first).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503, providerStatus: 503 });
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(3);
    expect(driver.circuitState()).toBe('open');
    expect(states).toEqual(['open']);

    sandbox.control.resetCalls();
    const retriedBefore = retries.length;
    const second = await rejectionOf(driver.list());
    expect(second).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider });
    expect(second.detail).toMatch(/circuit open/);
    // Fast: no attempt reached the provider and no retry (no backoff) was scheduled.
    expect(retries.length - retriedBefore).toBe(0);
    expect(sandbox.control.calls()).toEqual({});
    expect(calls.map((call) => call.outcome)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
  });

  it('does not count 4xx answers against the circuit', async () => {
    const driver = pool.driver(sandbox, provider, { driverOptions: { circuit: { threshold: 2 } } });
    const missing = MISSING_IDS[provider];
    for (let i = 0; i < 4; i++) {
      await expect(driver.get(missing)).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
    }
    expect(driver.circuitState()).toBe('closed');
  });

  it('half-opens after the configured time and closes again on success', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { circuit: { threshold: 1, halfOpenAfterMs: 200 }, retry: { maxAttempts: 1 } },
    });
    const fault = sandbox.control.addFault({ provider, operation: 'get', mode: 'error', status: 502 });
    const openedAt = Date.now();
    await expect(driver.get(id)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(driver.circuitState()).toBe('open');
    sandbox.control.removeFault(fault);
    // Asked again and again (no fixed sleep): refused without a call while open, then let through
    // once, and closed by its success.
    const deadline = Date.now() + 10_000;
    let answer: unknown;
    for (;;) {
      answer = await driver.get(id).catch((error: unknown) => error);
      if (!(answer instanceof Error) || Date.now() > deadline) break;
      expect(answer).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        detail: expect.stringMatching(/circuit open/),
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(answer).toMatchObject({ providerSubUserId: id });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(200);
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
    expect(driver.circuitState()).toBe('closed');
  });

  it('reports a timeout as PROVIDER_TIMEOUT', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider, {
      driverOptions: { timeoutMs: 300, retry: { maxAttempts: 2 } },
    });
    sandbox.control.addFault({ provider, operation: 'get', mode: 'timeout-before' });
    const error = await rejectionOf(driver.get(id));
    expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', status: 504, provider });
    // A GET is safe to resend after a timeout.
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
  });

  it('retries an idempotent read after a dropped connection', async () => {
    const id = await seededId();
    const driver = pool.driver(sandbox, provider);
    sandbox.control.addFault({ provider, operation: 'get', mode: 'drop', times: 1 });
    await expect(driver.get(id)).resolves.toMatchObject({ providerSubUserId: id });
    expect(sandbox.control.calls()[`${provider}.get`]).toBe(2);
  });

  it('a resent DELETE that finds the sub-user gone reports the deletion, not PROVIDER_NOT_FOUND', async () => {
    sandbox.control.configure({ asyncDeleteMs: 0 });
    const id = await seededId();
    const driver = pool.driver(sandbox, provider, { driverOptions: { timeoutMs: 300 } });
    sandbox.control.addFault({ provider, operation: 'delete', mode: 'timeout-after', times: 1 });
    const result = await driver.delete(id);
    expect(['deleted', 'deleting']).toContain(result.status);
    expect(sandbox.control.calls()[`${provider}.delete`]).toBe(2);
    sandbox.control.configure({ asyncDeleteMs: 200 });
  });

  describe('a create is never sent twice', () => {
    it('timeout after the provider acted → PROVIDER_TIMEOUT, exactly one create received', async () => {
      const driver = pool.driver(sandbox, provider, { driverOptions: { timeoutMs: 300 } });
      sandbox.control.addFault({ provider, operation: 'create', mode: 'timeout-after', times: 1 });
      const input = namedInput(provider, 'maybe-created');
      const error = await rejectionOf(driver.create(input));
      expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', provider, reachedProvider: 'maybe' });
      expect(sandbox.control.calls()[`${provider}.create`]).toBe(1);
      // It did happen: the sync's intent matching will find it, the driver must not double it.
      const held = input.proxyUsername ?? input.name;
      expect(storedIdentities(sandbox, provider).filter((stored) => stored.name === held)).toHaveLength(1);
      // ...and it is recognisable from the create alone: exactly one listed sub-user holds its echo.
      const listed = await pool.driver(sandbox, provider).list();
      expect(listed.filter((subUser) => echoMatches(driver.expectedEcho(input), subUser))).toHaveLength(1);
    });

    it('503 on create → PROVIDER_UNAVAILABLE, not retried', async () => {
      const driver = pool.driver(sandbox, provider);
      sandbox.control.addFault({ provider, operation: 'create', mode: 'error', status: 503, times: 1 });
      await expect(driver.create({ name: 'x' })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect(sandbox.control.calls()[`${provider}.create`]).toBe(1);
    });

    it('dropped connection on create → PROVIDER_UNAVAILABLE, not retried', async () => {
      const driver = pool.driver(sandbox, provider);
      sandbox.control.addFault({ provider, operation: 'create', mode: 'drop', times: 1 });
      await expect(driver.create({ name: 'x' })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect(sandbox.control.calls()[`${provider}.create`]).toBe(1);
    });

    it('429 on create → retried once (the provider did not act) and succeeds', async () => {
      const driver = pool.driver(sandbox, provider);
      sandbox.control.addFault({
        provider,
        operation: 'create',
        mode: 'rate-limit',
        retryAfter: 0,
        times: 1,
      });
      const input = namedInput(provider, 'after-429');
      const created = await driver.create(input);
      expect(echoMatches(driver.expectedEcho(input), created)).toBe(true);
      expect(sandbox.control.calls()[`${provider}.create`]).toBe(2);
      expect(storedIdentities(sandbox, provider).map((stored) => stored.id)).toContain(
        created.providerSubUserId,
      );
    });

    it('connection refused → resent (nothing reached the provider), then PROVIDER_UNAVAILABLE', async () => {
      const retries: RetryEvent[] = [];
      const registry = pool.create({ driverOptions: { hooks: { onRetry: (e) => retries.push(e) } } });
      // Port 1 on loopback: nothing listens there.
      const driver = registry.driverFor(
        accountFor(sandbox, provider, {
          baseUrl: `http://127.0.0.1:1${SANDBOX_PATHS[provider]}`,
        }),
      );
      const error = await rejectionOf(driver.create({ name: 'unreachable' }));
      expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider });
      expect(error.detail).toMatch(/ECONNREFUSED/);
      expect(retries.map((retry) => retry.reason)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    });
  });

  it('never puts the API key or a proxy password into an error', async () => {
    const driver = pool.driver(sandbox, provider, { account: { apiKey: 'super-secret-key-123' } });
    const description = pool.create().describe(provider);
    const choosesPassword = description.fields.proxyPassword.support === 'native';
    const error = await rejectionOf(
      driver.create({ name: 'x', ...(choosesPassword ? { proxyPassword: 'pwSecret456' } : {}) }),
    );
    const rendered = `${JSON.stringify(error)} ${error.stack} ${JSON.stringify(Object.entries(error))}`;
    expect(rendered).not.toContain('super-secret-key-123');
    expect(rendered).not.toContain('pwSecret456');
  });
});
