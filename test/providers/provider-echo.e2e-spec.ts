import fc from 'fast-check';
import { type CreateSubUserInput, type ProviderName, echoMatches, echoMismatches } from '@app/domain';
import type { ProviderDriver } from '@app/providers';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { ALL_PROVIDERS, RegistryPool } from './provider-test-kit';

/*
 * What a create leaves at the provider, as the sandbox really answers it, must be what the
 * driver's expectedEcho said: that is how the gateway recognises, in a later listing, the
 * sub-user of a create whose answer was lost. Every run creates through HTTP, so the runs are few.
 */
const RUNS = 25;

/** Whitespace the providers' frameworks disagree about, mixed with ordinary characters. */
const EDGE = [
  ' ',
  '\t',
  '\n',
  '\u001c',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u2028',
  '\u3000',
  '\ufeff',
  'a',
  'Z',
  'é',
  '7',
];
const edgeText = (maxLength: number) =>
  fc.array(fc.constantFrom(...EDGE), { minLength: 1, maxLength }).map((chars) => chars.join(''));
/** Up to 100 GB in bytes, whole numbers of MB, and none-too-round byte counts. */
const trafficBytes = fc.oneof(
  fc.integer({ min: 1, max: 100 * 1024 ** 3 }),
  fc.integer({ min: 1, max: 100 * 1024 }).map((mb) => mb * 1024 ** 2),
);
let usernames = 0;

const INPUTS: Record<ProviderName, fc.Arbitrary<CreateSubUserInput>> = {
  webshare: fc.record(
    {
      name: edgeText(20),
      trafficLimitBytes: fc.option(trafficBytes, { nil: null }),
      maxConcurrency: fc.integer({ min: 1, max: 5_000 }),
      countries: fc.option(fc.dictionary(fc.constantFrom('US', 'GB', 'DE', 'ZZ'), fc.nat({ max: 100 })), {
        nil: null,
      }),
    },
    { requiredKeys: ['name'] },
  ),
  proxyhat: fc.record(
    {
      name: edgeText(20),
      notes: edgeText(30),
      trafficLimitBytes: fc.option(trafficBytes, { nil: null }),
      proxyPassword: fc.stringMatching(/^[A-Za-z0-9_-]{8,30}$/),
    },
    { requiredKeys: ['name'] },
  ),
  iproyal: fc.record(
    {
      name: edgeText(20),
      // Unique per account (the provider refuses a taken username), padded with whitespace it strips.
      proxyUsername: fc
        .tuple(fc.constantFrom('', ' ', '\t', '\u00a0'), fc.constantFrom('', ' ', '\u3000'))
        .map(([before, after]) => `${before}echo${++usernames}user${after}`),
      proxyPassword: fc.stringMatching(/^[A-Za-z0-9]{6,30}$/),
      trafficLimitBytes: trafficBytes,
    },
    { requiredKeys: [] },
  ),
};

describe.each(ALL_PROVIDERS)('expectedEcho against the %s sandbox', (provider) => {
  let sandbox: RunningSandbox;
  const pool = new RegistryPool();
  let driver: ProviderDriver;

  beforeAll(async () => {
    // Room for every run's allocation (IPRoyal's traffic comes out of a prepaid balance).
    sandbox = await startSandbox({ port: 0, rateLimits: false, iproyalBalanceGb: 1_000_000 });
    driver = pool.driver(sandbox, provider);
  });
  afterAll(async () => {
    await pool.closeAll();
    await sandbox.close();
  });

  it('property: the create answer and a later listing both hold exactly the echo', async () => {
    const created: Array<{ id: string; input: CreateSubUserInput }> = [];
    await fc.assert(
      fc.asyncProperty(INPUTS[provider], async (input) => {
        const echo = driver.expectedEcho(input);
        const answer = await driver.create(input);
        expect(echoMismatches(echo, answer)).toEqual([]);
        created.push({ id: answer.providerSubUserId, input });
      }),
      { numRuns: RUNS },
    );
    // The sync's view: one listing, each sub-user found by the echo of the create that made it.
    const listed = new Map((await driver.list()).map((subUser) => [subUser.providerSubUserId, subUser]));
    for (const { id, input } of created) {
      expect([id, echoMismatches(driver.expectedEcho(input), listed.get(id)!)]).toEqual([id, []]);
    }
  });

  it('a listed sub-user made by a different create does not match', async () => {
    const first: CreateSubUserInput =
      provider === 'iproyal'
        ? { proxyUsername: 'echoalpha1', trafficLimitBytes: 1024 ** 3 }
        : { name: 'alpha' };
    const second: CreateSubUserInput =
      provider === 'iproyal'
        ? { proxyUsername: 'echobeta1', trafficLimitBytes: 1024 ** 3 }
        : { name: 'beta' };
    const made = await driver.create(first);
    expect(echoMatches(driver.expectedEcho(first), made)).toBe(true);
    expect(echoMatches(driver.expectedEcho(second), made)).toBe(false);
  });
});
