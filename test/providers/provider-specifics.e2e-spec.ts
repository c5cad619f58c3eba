import { requireOperation } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { GB, RegistryPool, SANDBOX_KEYS, rejectionOf } from './provider-test-kit';

/** What only one provider has, over HTTP against the sandbox (the shared contract is provider-contract). */
let sandbox: RunningSandbox;
const pool = new RegistryPool();

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, rateLimits: false });
});
afterAll(async () => {
  await pool.closeAll();
  await sandbox.close();
});
beforeEach(() => sandbox.control.reset());

describe('Webshare', () => {
  it('sends the account plan_id on every call', async () => {
    const planned = pool.driver(sandbox, 'webshare', { account: { planId: '4242' } });
    const created = await planned.create({ name: 'on-plan' });
    const stored = sandbox.control
      .state('webshare')
      .find((raw) => String(raw.id) === created.providerSubUserId);
    expect(stored?.plan_id).toBe(4242);
    expect((await planned.list()).map((subUser) => subUser.providerSubUserId)).toEqual([
      created.providerSubUserId,
    ]);
  });
});

describe('ProxyHat', () => {
  it('resets a sub-user usage', async () => {
    const driver = pool.driver(sandbox, 'proxyhat');
    const created = await driver.create({ name: 'reset' });
    sandbox.control.addTraffic({ provider: 'proxyhat', subUserId: created.providerSubUserId, bytes: 5000 });
    expect((await driver.get(created.providerSubUserId)).traffic.usedBytes).toBe(5000);
    await expect(requireOperation(driver, 'resetUsage')(created.providerSubUserId)).resolves.toBeUndefined();
    expect((await driver.get(created.providerSubUserId)).traffic.usedBytes).toBe(0);
  });

  it('lists the account groups with their members counted', async () => {
    const driver = pool.driver(sandbox, 'proxyhat');
    expect(await requireOperation(driver, 'listGroups')()).toEqual([]);
    const europe = await createGroup('Europe', 'EU customers');
    const asia = await createGroup('Asia', null);
    await driver.create({ name: 'member', groupId: europe.id });
    const groups = await requireOperation(driver, 'listGroups')();
    const byName = [...groups].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName).toEqual([
      { id: asia.id, name: 'Asia', description: null, subUserCount: 0, createdAt: expect.any(String) },
      {
        id: europe.id,
        name: 'Europe',
        description: 'EU customers',
        subUserCount: 1,
        createdAt: expect.any(String),
      },
    ]);
  });

  /** Groups are set up through ProxyHat's own API: the driver only reads them. */
  async function createGroup(name: string, description: string | null): Promise<{ id: string }> {
    const response = await fetch(`${sandbox.proxyhatBaseUrl}/sub-user-groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_KEYS.proxyhat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, description }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { payload: { id: string } }).payload;
  }
});

describe('IPRoyal', () => {
  const balanceBytes = () => sandbox.control.iproyalBalance().available_bytes;

  it('reads the account balance from /me; allocations come out of it and deleting returns them', async () => {
    const driver = pool.driver(sandbox, 'iproyal');
    const initial = balanceBytes();
    expect(initial).toBe(1000 * GB);
    await expect(requireOperation(driver, 'getBalance')()).resolves.toEqual({ availableBytes: initial });
    const created = await driver.create({ trafficLimitBytes: 5 * GB });
    await expect(driver.getBalance!()).resolves.toEqual({ availableBytes: initial - 5 * GB });
    await driver.delete(created.providerSubUserId);
    await expect(driver.getBalance!()).resolves.toEqual({ availableBytes: initial });
    expect(sandbox.control.calls()['iproyal.me']).toBe(3);
  });

  it('generates letters-and-digits credentials when the caller chooses none, and reveals them', async () => {
    const driver = pool.driver(sandbox, 'iproyal');
    const created = await driver.create({ name: 'kept by the gateway' });
    expect(created.proxyUsername).toMatch(/^gw[a-z0-9]{14}$/);
    expect(created.revealedPassword).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(created.traffic).toMatchObject({ limitBytes: 0, usedBytes: 0 });
    const [stored] = sandbox.control.state('iproyal');
    expect(stored).toMatchObject({ username: created.proxyUsername, password: created.revealedPassword });
  });

  it('sets the allocation from what is used: available = allocation − used; below used is refused unsent', async () => {
    const driver = pool.driver(sandbox, 'iproyal');
    const created = await driver.create({ proxyUsername: 'allocated1', trafficLimitBytes: 10 * GB });
    const id = created.providerSubUserId;
    sandbox.control.addTraffic({ provider: 'iproyal', subUserId: id, bytes: 3 * GB });
    expect((await driver.get(id)).traffic).toMatchObject({ limitBytes: 10 * GB, usedBytes: 3 * GB });
    const balanceBefore = balanceBytes();

    const lowered = await driver.update(id, { trafficLimitBytes: 6 * GB });
    expect(lowered.traffic).toMatchObject({ limitBytes: 6 * GB, usedBytes: 3 * GB });
    const [stored] = sandbox.control.state('iproyal');
    expect(stored).toMatchObject({ traffic_available_bytes: 3 * GB, traffic_used_bytes: 3 * GB });
    expect(balanceBytes()).toBe(balanceBefore + 4 * GB);

    // The emulated suspend: the allocation down to exactly what is used.
    const suspended = await driver.update(id, { trafficLimitBytes: 3 * GB });
    expect(suspended.traffic).toMatchObject({ limitBytes: 3 * GB, usedBytes: 3 * GB });

    sandbox.control.resetCalls();
    const error = await rejectionOf(driver.update(id, { trafficLimitBytes: 2 * GB }));
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 422,
      fieldErrors: [
        { field: 'trafficLimit', message: expect.stringContaining(`already used ${3 * GB} bytes`) },
      ],
    });
    expect(sandbox.control.calls()).toEqual({ 'iproyal.get': 1 });
  });

  it('a balance too small for a create or a raise is PROVIDER_REJECTED that says so', async () => {
    const driver = pool.driver(sandbox, 'iproyal');
    const created = await driver.create({ trafficLimitBytes: GB });
    sandbox.control.setIproyalBalance({ gb: 2 });
    const expected = {
      code: 'PROVIDER_REJECTED',
      status: 422,
      provider: 'iproyal',
      providerStatus: 422,
      detail: expect.stringMatching(/^IPRoyal: the account's prepaid traffic balance is too small/),
      fieldErrors: [{ field: 'trafficLimit', message: expect.stringMatching(/Insufficient balance/) }],
    };
    expect(await rejectionOf(driver.create({ trafficLimitBytes: 5 * GB }))).toMatchObject(expected);
    expect(
      await rejectionOf(driver.update(created.providerSubUserId, { trafficLimitBytes: 4 * GB })),
    ).toMatchObject(expected);
    // Within the balance it goes through.
    const raised = await driver.update(created.providerSubUserId, { trafficLimitBytes: 3 * GB });
    expect(raised.traffic.limitBytes).toBe(3 * GB);
    expect(balanceBytes()).toBe(0);
  });
});
