import { type CreateSubUserInput, type ProviderDescription, UnsupportedByProviderError } from '@app/domain';
import { type OptionalOperation, type ProviderDriver, requireOperation } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import {
  ALL_PROVIDERS,
  GB,
  MB,
  MISSING_IDS,
  RegistryPool,
  accountFor,
  rejectionOf,
  storedIdentities,
  until,
} from './provider-test-kit';

/**
 * One contract, every driver, over HTTP against the sandbox. Provider differences the contract
 * allows (async delete, gateway-kept name or notes, prepaid traffic, optional operations) come
 * from the driver's published description, never from its name. Provider-only operations are in
 * provider-specifics.e2e-spec.ts.
 */
const ASYNC_DELETE_MS = 1_500;

interface ProviderCase {
  provider: (typeof ALL_PROVIDERS)[number];
  /** Fields this provider can hold beyond name and traffic. */
  extraCreateFields: CreateSubUserInput;
  unsupportedField: CreateSubUserInput;
  unsupportedOperation: OptionalOperation;
  listSeed: number;
  /** List calls the driver needs for the seeded account (pages of 100, or one unpaged call). */
  listCalls: number;
  /** A create the provider itself refuses, and the field its error must name. */
  rejectedCreate: { input: CreateSubUserInput; providerStatus: number; field: string };
  /** Where native credentials connect. */
  proxyGateway?: { host: string; ports: { http: number } };
}

const CASES: ProviderCase[] = [
  {
    provider: 'webshare',
    extraCreateFields: { maxConcurrency: 25, countries: { US: 5, ZZ: 2 } },
    unsupportedField: { groupId: 'some-group' },
    unsupportedOperation: 'resetUsage',
    listSeed: 350,
    listCalls: 4,
    rejectedCreate: {
      input: { name: 'bad', maxConcurrency: -5 },
      providerStatus: 400,
      field: 'maxConcurrency',
    },
  },
  {
    provider: 'proxyhat',
    extraCreateFields: { notes: 'created by the contract test', proxyPassword: 'contract-pass-1' },
    unsupportedField: { maxConcurrency: 10 },
    unsupportedOperation: 'refreshProxyList',
    listSeed: 40,
    listCalls: 1,
    rejectedCreate: {
      input: { name: 'bad-group', groupId: 'no-such-group' },
      providerStatus: 422,
      field: 'groupId',
    },
    proxyGateway: { host: 'gate.proxyhat.com', ports: { http: 8080 } },
  },
  {
    provider: 'iproyal',
    extraCreateFields: { proxyUsername: 'contractuser1', proxyPassword: 'contractPass1' },
    unsupportedField: { countries: { US: 1 } },
    unsupportedOperation: 'resetUsage',
    listSeed: 250,
    listCalls: 3,
    rejectedCreate: {
      input: { name: 'bad', proxyPassword: 'short' },
      providerStatus: 422,
      field: 'proxyPassword',
    },
    proxyGateway: { host: 'geo.iproyal.com', ports: { http: 12321 } },
  },
];

describe.each(CASES)('provider contract: $provider', (testCase) => {
  const { provider } = testCase;
  let sandbox: RunningSandbox;
  const pool = new RegistryPool();
  let driver: ProviderDriver;
  let description: ProviderDescription;
  /** Where the provider holds names: otherwise the gateway keeps them and the driver reports null. */
  const nameHeld = (name: string) => (description.fields.name.support === 'native' ? name : null);

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, rateLimits: false, asyncDeleteMs: ASYNC_DELETE_MS });
    description = pool.create().describe(provider);
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

  it('creates and gets a sub-user, traffic in bytes both ways, the password revealed where the provider shows it', async () => {
    const extra = testCase.extraCreateFields;
    const created = await driver.create({ name: 'contract-create', trafficLimitBytes: 5 * GB, ...extra });
    expect(created).toMatchObject({
      provider,
      name: nameHeld('contract-create'),
      status: 'active',
      traffic: { limitBytes: 5 * GB },
    });
    expect(created.providerSubUserId).toEqual(expect.any(String));
    const fetched = await driver.get(created.providerSubUserId);
    expect(fetched).toMatchObject({
      providerSubUserId: created.providerSubUserId,
      name: nameHeld('contract-create'),
      traffic: { limitBytes: 5 * GB, usedBytes: expect.any(Number) },
    });
    if (extra.maxConcurrency !== undefined) {
      expect(fetched.maxConcurrency).toBe(25);
      expect(fetched.countries).toEqual({ US: 5, ZZ: 2 });
    }
    expect(fetched.notes).toBe(driver.capabilities.notes === 'native' ? extra.notes : null);
    if (extra.proxyUsername !== undefined) expect(fetched.proxyUsername).toBe(extra.proxyUsername);
    if (extra.proxyPassword !== undefined) {
      expect(created.revealedPassword).toBe(extra.proxyPassword);
      expect(fetched.revealedPassword).toBe(extra.proxyPassword);
    } else {
      expect(fetched).not.toHaveProperty('revealedPassword');
    }
  });

  it('creates an unlimited sub-user where traffic can be unlimited, and keeps odd amounts exact', async () => {
    if (driver.capabilities.unlimitedTraffic) {
      const unlimited = await driver.create({ name: 'unlimited', trafficLimitBytes: null });
      expect(unlimited.traffic.limitBytes).toBeNull();
    } else {
      // A prepaid allocation cannot be unlimited: refused before anything is sent.
      const error = await rejectionOf(driver.create({ name: 'unlimited', trafficLimitBytes: null }));
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        status: 422,
        fieldErrors: [{ field: 'trafficLimit', message: expect.stringMatching(/cannot be unlimited/) }],
      });
      expect(sandbox.control.calls()[`${provider}.create`] ?? 0).toBe(0);
    }
    const odd = await driver.create({ name: 'odd', trafficLimitBytes: 1536 * MB + 1 });
    expect((await driver.get(odd.providerSubUserId)).traffic.limitBytes).toBe(1536 * MB + 1);
  });

  it(`lists the whole account, each sub-user exactly once (${testCase.listSeed} seeded)`, async () => {
    sandbox.control.seed({ provider, count: testCase.listSeed, labelPrefix: 'seeded' });
    const expectedIds = new Set(storedIdentities(sandbox, provider).map((stored) => stored.id));
    expect(expectedIds.size).toBeGreaterThanOrEqual(testCase.listSeed);
    const listed = await driver.list({ priority: 'background' });
    const ids = listed.map((subUser) => subUser.providerSubUserId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(expectedIds);
    expect(sandbox.control.calls()[`${provider}.list`]).toBe(testCase.listCalls);
  });

  it('updates with PATCH semantics: absent unchanged, null = unlimited where it can be', async () => {
    const created = await driver.create({ name: 'before', trafficLimitBytes: 2 * GB });
    const id = created.providerSubUserId;
    const renamed = await driver.update(id, { name: 'after' });
    expect(renamed).toMatchObject({ name: nameHeld('after'), traffic: { limitBytes: 2 * GB } });
    // A name the gateway keeps changes nothing at the provider: no write is sent.
    const updates = sandbox.control.calls()[`${provider}.update`] ?? 0;
    expect(updates).toBe(nameHeld('after') === null ? 0 : 1);
    const raised = await driver.update(id, { trafficLimitBytes: 10 * GB });
    expect(raised.traffic.limitBytes).toBe(10 * GB);
    if (driver.capabilities.unlimitedTraffic) {
      const unlimited = await driver.update(id, { trafficLimitBytes: null });
      expect(unlimited).toMatchObject({ name: nameHeld('after'), traffic: { limitBytes: null } });
    } else {
      const error = await rejectionOf(driver.update(id, { trafficLimitBytes: null }));
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', fieldErrors: [{ field: 'trafficLimit' }] });
      expect((await driver.get(id)).traffic.limitBytes).toBe(10 * GB);
    }
  });

  it('deletes: gone, or deleting where the provider finishes later', async () => {
    const created = await driver.create({ name: 'to-delete' });
    const result = await driver.delete(created.providerSubUserId);
    if (driver.capabilities.asyncDelete) {
      expect(result).toEqual({ status: 'deleting' });
      expect((await driver.get(created.providerSubUserId)).status).toBe('deleting');
      // The provider finishes later (the sandbox after ASYNC_DELETE_MS): polled, not slept on.
      await until('the deletion to finish', async () =>
        driver.get(created.providerSubUserId).then(
          () => false,
          () => true,
        ),
      );
    } else {
      expect(result).toEqual({ status: 'deleted' });
    }
    const error = await rejectionOf(driver.get(created.providerSubUserId));
    expect(error).toMatchObject({ code: 'PROVIDER_NOT_FOUND', status: 404, provider, providerStatus: 404 });
  });

  it('bulk deletes with an outcome per id, a missing id included', async () => {
    const created = await Promise.all([1, 2, 3].map((n) => driver.create({ name: `bulk-${n}` })));
    const missingId = MISSING_IDS[provider];
    const ids = [...created.map((subUser) => subUser.providerSubUserId), missingId];
    const results = await requireOperation(driver, 'bulkDelete')(ids);
    const expectedOutcome = driver.capabilities.asyncDelete ? 'deleting' : 'deleted';
    expect(results).toEqual([
      ...created.map((subUser) => ({ id: subUser.providerSubUserId, outcome: expectedOutcome })),
      { id: missingId, outcome: 'not_found' },
    ]);
    if (driver.capabilities.bulkDelete === 'native') {
      // ProxyHat's native call answers counts only: the driver established each outcome in 3 calls.
      expect(sandbox.control.calls()).toMatchObject({
        [`${provider}.bulkDelete`]: 1,
        [`${provider}.list`]: 2,
      });
    } else {
      // Emulated: one delete per distinct id.
      expect(sandbox.control.calls()[`${provider}.delete`]).toBe(4);
    }
  });

  it('bulk delete empties the account; only a default sub-user (ProxyHat) is skipped', async () => {
    sandbox.control.seed({ provider, count: 6, labelPrefix: 'wipe' });
    const all = await driver.list();
    const defaults = all.filter((subUser) => subUser.isDefault);
    expect(defaults).toHaveLength(provider === 'proxyhat' ? 1 : 0);
    expect(all.length).toBe(6 + defaults.length);
    const results = await requireOperation(
      driver,
      'bulkDelete',
    )(all.map((subUser) => subUser.providerSubUserId));
    const removed = driver.capabilities.asyncDelete ? 'deleting' : 'deleted';
    expect(results).toEqual(
      all.map((subUser) => ({
        id: subUser.providerSubUserId,
        outcome: subUser.isDefault ? 'skipped' : removed,
      })),
    );
    const remaining = defaults.map((subUser) => subUser.providerSubUserId);
    if (driver.capabilities.asyncDelete) {
      await until(
        'the deletions to finish',
        async () => storedIdentities(sandbox, provider).length === remaining.length,
      );
    }
    expect((await driver.list()).map((subUser) => subUser.providerSubUserId)).toEqual(remaining);
    expect(storedIdentities(sandbox, provider).map((stored) => stored.id)).toEqual(remaining);
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
    const id = created.providerSubUserId;
    const credentials = await requireOperation(driver, 'getCredentials')(id);
    expect(credentials.username).toEqual(expect.any(String));
    expect(credentials.password).toEqual(expect.any(String));
    expect(credentials.proxyUrls[0]).toMatch(/^http:\/\/.+:.+@.+:\d+$/);
    if (driver.capabilities.credentials === 'native') {
      expect(credentials).toMatchObject({
        username: created.proxyUsername,
        password: testCase.extraCreateFields.proxyPassword,
        ...testCase.proxyGateway,
      });
      await requireOperation(driver, 'setPassword')(id, 'aNewPass2');
      expect((await driver.getCredentials!(id)).password).toBe('aNewPass2');
      expect((await driver.get(id)).revealedPassword).toBe('aNewPass2');
    } else {
      expect(credentials).toMatchObject({ host: 'p.webshare.io', ports: { http: 80 } });
      const state = sandbox.control.state('webshare').find((raw) => String(raw.id) === id);
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
    const { input, providerStatus, field } = testCase.rejectedCreate;
    const error = await rejectionOf(driver.create(input));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', status: 422, provider, providerStatus });
    expect(error.fieldErrors).toEqual([{ field, message: expect.any(String) }]);
  });

  it('the registry reuses one driver per account and rebuilds it when the key changes', () => {
    const registry = pool.create();
    const account = accountFor(sandbox, provider);
    const first = registry.driverFor(account);
    expect(registry.driverFor({ ...account })).toBe(first);
    expect(registry.driverFor({ ...account, apiKey: 'rotated' })).not.toBe(first);
    expect(registry.capabilities(provider)).toBe(first.capabilities);
    expect(registry.supportedProviders()).toEqual([...ALL_PROVIDERS]);
  });
});
