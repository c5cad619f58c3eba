import { type ProviderName, UnsupportedByProviderError } from '@app/domain';
import { type ProviderDriver, requireOperation } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { GB, MB, RegistryPool, accountFor, rejectionOf, sleep } from './provider-test-kit';

/**
 * One contract, both drivers, over HTTP against the sandbox. Provider differences the contract
 * allows (async delete, native vs gateway notes, optional operations) come from capabilities.
 */
const ASYNC_DELETE_MS = 1_500;

interface ProviderCase {
  provider: ProviderName;
  /** Fields this provider can hold beyond name and traffic. */
  extraCreateFields: Record<string, unknown>;
  unsupportedField: Record<string, unknown>;
  unsupportedOperation: 'resetUsage' | 'refreshProxyList';
  listSeed: number;
}

const CASES: ProviderCase[] = [
  {
    provider: 'webshare',
    extraCreateFields: { maxConcurrency: 25, countries: { US: 5, ZZ: 2 } },
    unsupportedField: { groupId: 'some-group' },
    unsupportedOperation: 'resetUsage',
    listSeed: 350,
  },
  {
    provider: 'proxyhat',
    extraCreateFields: { notes: 'created by the contract test', proxyPassword: 'contract-pass-1' },
    unsupportedField: { maxConcurrency: 10 },
    unsupportedOperation: 'refreshProxyList',
    listSeed: 40,
  },
];

describe.each(CASES)('provider contract: $provider', (testCase) => {
  const { provider } = testCase;
  let sandbox: RunningSandbox;
  const pool = new RegistryPool();
  let driver: ProviderDriver;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, rateLimits: false, asyncDeleteMs: ASYNC_DELETE_MS });
  });
  afterAll(async () => {
    await pool.closeAll();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.control.reset();
    driver = pool.driver(sandbox, provider);
  });

  it('checks credentials: the sandbox key passes, a wrong key is PROVIDER_AUTH_FAILED', async () => {
    await expect(driver.checkCredentials()).resolves.toBeUndefined();
    const wrong = pool.driver(sandbox, provider, { account: { apiKey: 'not-a-key-0123' } });
    const error = await rejectionOf(wrong.checkCredentials());
    expect(error).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', status: 502, provider, providerStatus: 401 });
    expect(JSON.stringify(error)).not.toContain('not-a-key-0123');
    expect(String(error.stack)).not.toContain('not-a-key-0123');
  });

  it('creates and gets a sub-user, traffic in bytes both ways', async () => {
    const created = await driver.create({
      name: 'contract-create',
      trafficLimitBytes: 5 * GB,
      ...testCase.extraCreateFields,
    });
    expect(created).toMatchObject({
      provider,
      name: 'contract-create',
      status: 'active',
      traffic: { limitBytes: 5 * GB },
    });
    expect(created.providerSubUserId).toEqual(expect.any(String));
    const fetched = await driver.get(created.providerSubUserId);
    expect(fetched).toMatchObject({
      providerSubUserId: created.providerSubUserId,
      name: 'contract-create',
      traffic: { limitBytes: 5 * GB, usedBytes: expect.any(Number) },
    });
    if (testCase.extraCreateFields.maxConcurrency !== undefined) {
      expect(fetched.maxConcurrency).toBe(25);
      expect(fetched.countries).toEqual({ US: 5, ZZ: 2 });
    }
    if (driver.capabilities.notes === 'native') expect(fetched.notes).toBe('created by the contract test');
    else expect(fetched.notes).toBeNull();
  });

  it('creates an unlimited sub-user and keeps odd amounts exact', async () => {
    const unlimited = await driver.create({ name: 'unlimited', trafficLimitBytes: null });
    expect(unlimited.traffic.limitBytes).toBeNull();
    const odd = await driver.create({ name: 'odd', trafficLimitBytes: 1536 * MB + 1 });
    expect((await driver.get(odd.providerSubUserId)).traffic.limitBytes).toBe(1536 * MB + 1);
  });

  it(`lists the whole account, each sub-user exactly once (${testCase.listSeed} seeded)`, async () => {
    sandbox.control.seed({ provider, count: testCase.listSeed, labelPrefix: 'seeded' });
    const expectedIds = new Set(
      (sandbox.control.state(provider) as Array<{ id?: number; uuid?: string }>).map((raw) =>
        String(raw.id ?? raw.uuid),
      ),
    );
    const listed = await driver.list({ priority: 'background' });
    const ids = listed.map((subUser) => subUser.providerSubUserId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(expectedIds);
    expect(ids.length).toBeGreaterThanOrEqual(testCase.listSeed);
    if (provider === 'webshare') {
      expect(ids.length).toBeGreaterThan(300); // more than 3 pages of 100
      expect(sandbox.control.calls()['webshare.list']).toBe(4);
    }
  });

  it('updates with PATCH semantics: absent unchanged, null = unlimited', async () => {
    const created = await driver.create({ name: 'before', trafficLimitBytes: 2 * GB });
    const renamed = await driver.update(created.providerSubUserId, { name: 'after' });
    expect(renamed).toMatchObject({ name: 'after', traffic: { limitBytes: 2 * GB } });
    const raised = await driver.update(created.providerSubUserId, { trafficLimitBytes: 10 * GB });
    expect(raised.traffic.limitBytes).toBe(10 * GB);
    const unlimited = await driver.update(created.providerSubUserId, { trafficLimitBytes: null });
    expect(unlimited).toMatchObject({ name: 'after', traffic: { limitBytes: null } });
  });

  it('deletes: gone, or deleting where the provider finishes later', async () => {
    const created = await driver.create({ name: 'to-delete' });
    const result = await driver.delete(created.providerSubUserId);
    if (driver.capabilities.asyncDelete) {
      expect(result).toEqual({ status: 'deleting' });
      expect((await driver.get(created.providerSubUserId)).status).toBe('deleting');
      await sleep(ASYNC_DELETE_MS + 300);
    } else {
      expect(result).toEqual({ status: 'deleted' });
    }
    const error = await rejectionOf(driver.get(created.providerSubUserId));
    expect(error).toMatchObject({ code: 'PROVIDER_NOT_FOUND', status: 404, provider, providerStatus: 404 });
  });

  it('bulk deletes with an outcome per id, a missing id included', async () => {
    const created = await Promise.all([1, 2, 3].map((n) => driver.create({ name: `bulk-${n}` })));
    const missingId = provider === 'webshare' ? '99999999' : '00000000-0000-4000-8000-000000000000';
    const ids = [...created.map((subUser) => subUser.providerSubUserId), missingId];
    const results = await requireOperation(driver, 'bulkDelete')(ids);
    const expectedOutcome = driver.capabilities.asyncDelete ? 'deleting' : 'deleted';
    expect(results).toEqual([
      ...created.map((subUser) => ({ id: subUser.providerSubUserId, outcome: expectedOutcome })),
      { id: missingId, outcome: 'not_found' },
    ]);
    if (provider === 'proxyhat') {
      // The native call answers counts only: the driver established each outcome in 3 calls.
      expect(sandbox.control.calls()).toMatchObject({ 'proxyhat.bulkDelete': 1, 'proxyhat.list': 2 });
    }
  });

  it('bulk delete marks the default sub-user as skipped (ProxyHat) or deletes everything (Webshare)', async () => {
    const all = await driver.list();
    const defaultUser = all.find((subUser) => subUser.isDefault);
    if (!defaultUser) {
      expect(provider).toBe('webshare');
      return;
    }
    const results = await requireOperation(driver, 'bulkDelete')([defaultUser.providerSubUserId]);
    expect(results).toEqual([{ id: defaultUser.providerSubUserId, outcome: 'skipped' }]);
  });

  it('refreshes the proxy list where the provider has one, else UNSUPPORTED_BY_PROVIDER', async () => {
    const created = await driver.create({ name: 'refresh', ...testCase.extraCreateFields });
    if (driver.capabilities.refreshProxyList) {
      const refreshed = await requireOperation(driver, 'refreshProxyList')(created.providerSubUserId);
      expect(refreshed.providerSubUserId).toBe(created.providerSubUserId);
      // Without a custom proxy list Webshare refuses: the provider's refusal, mapped.
      const plain = await driver.create({ name: 'no-custom-list' });
      const error = await rejectionOf(requireOperation(driver, 'refreshProxyList')(plain.providerSubUserId));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', providerStatus: 400 });
    } else {
      expect(driver.refreshProxyList).toBeUndefined();
      expect(() => requireOperation(driver, 'refreshProxyList')).toThrow(UnsupportedByProviderError);
    }
  });

  it('gives proxy credentials for a sub-user', async () => {
    const created = await driver.create({ name: 'creds', ...testCase.extraCreateFields });
    const credentials = await requireOperation(driver, 'getCredentials')(created.providerSubUserId);
    expect(credentials.username).toEqual(expect.any(String));
    expect(credentials.password).toEqual(expect.any(String));
    expect(credentials.proxyUrls[0]).toMatch(/^http:\/\/.+:.+@.+:\d+$/);
    if (provider === 'proxyhat') {
      expect(credentials).toMatchObject({
        username: created.proxyUsername,
        password: 'contract-pass-1',
        host: 'gate.proxyhat.com',
        ports: { http: 8080 },
      });
      await requireOperation(driver, 'setPassword')(created.providerSubUserId, 'a-new-pass-2');
      expect((await driver.getCredentials!(created.providerSubUserId)).password).toBe('a-new-pass-2');
    } else {
      expect(credentials).toMatchObject({ host: 'p.webshare.io', ports: { http: 80 } });
      const state = sandbox.control
        .state('webshare')
        .find((raw) => String(raw.id) === created.providerSubUserId);
      expect(credentials.username).toBe(state?.proxy_credentials.username);
    }
  });

  it('answers UNSUPPORTED_BY_PROVIDER for fields and operations the provider lacks', async () => {
    const error = await rejectionOf(driver.create({ name: 'x', ...testCase.unsupportedField }));
    expect(error).toBeInstanceOf(UnsupportedByProviderError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', status: 422 });
    expect(() => requireOperation(driver, testCase.unsupportedOperation)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_BY_PROVIDER' }),
    );
    expect(sandbox.control.calls()[`${provider}.create`] ?? 0).toBe(0);
  });

  it('maps a provider refusal to PROVIDER_REJECTED with normalized field errors', async () => {
    if (provider === 'proxyhat') {
      const error = await rejectionOf(driver.create({ name: 'bad-group', groupId: 'no-such-group' }));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', status: 422, providerStatus: 422 });
      expect(error.fieldErrors).toEqual([{ field: 'groupId', message: expect.any(String) }]);
    } else {
      const error = await rejectionOf(driver.create({ name: 'bad', maxConcurrency: -5 }));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', status: 422, providerStatus: 400 });
      expect(error.fieldErrors).toEqual([{ field: 'maxConcurrency', message: expect.any(String) }]);
    }
  });

  it('carries provider-only operations: reset usage (ProxyHat) / plan_id on every call (Webshare)', async () => {
    if (provider === 'proxyhat') {
      const created = await driver.create({ name: 'reset' });
      await expect(
        requireOperation(driver, 'resetUsage')(created.providerSubUserId),
      ).resolves.toBeUndefined();
      expect((await driver.get(created.providerSubUserId)).traffic.usedBytes).toBe(0);
      const groups = await requireOperation(driver, 'listGroups')();
      expect(Array.isArray(groups)).toBe(true);
    } else {
      const planned = pool.driver(sandbox, 'webshare', { account: { planId: '4242' } });
      const created = await planned.create({ name: 'on-plan' });
      const stored = sandbox.control
        .state('webshare')
        .find((raw) => String(raw.id) === created.providerSubUserId);
      expect(stored?.plan_id).toBe(4242);
      expect((await planned.list()).map((subUser) => subUser.providerSubUserId)).toEqual([
        created.providerSubUserId,
      ]);
    }
  });

  it('the registry reuses one driver per account and rebuilds it when the key changes', () => {
    const registry = pool.create();
    const account = accountFor(sandbox, provider);
    const first = registry.driverFor(account);
    expect(registry.driverFor({ ...account })).toBe(first);
    expect(registry.driverFor({ ...account, apiKey: 'rotated' })).not.toBe(first);
    expect(registry.capabilities(provider)).toBe(first.capabilities);
    expect(registry.supportedProviders()).toEqual(['webshare', 'proxyhat']);
  });
});
