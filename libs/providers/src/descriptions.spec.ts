import { PROVIDER_NAMES, SUB_USER_INPUT_FIELDS } from '@app/domain';
import { type OptionalOperation, supportsOperation } from './provider-driver';
import { BUILT_IN_DRIVER_FACTORIES } from './registry';
import { createPassThroughLimiter } from './resilience/rate-limiter';
import { resolveDriverOptions } from './resilience/resilience.types';

/**
 * A provider is one folder plus one registry line: these checks hold every built-in driver's
 * published description to what the driver really does, so a new folder cannot drift from it.
 */
describe.each(BUILT_IN_DRIVER_FACTORIES.map((factory) => [factory.provider, factory] as const))(
  'description of %s',
  (provider, factory) => {
    const { description } = factory;
    const driver = factory.create(
      { id: `acc-${provider}`, provider, baseUrl: 'http://127.0.0.1:1/never-called', apiKey: 'k' },
      {
        options: resolveDriverOptions({ rateLimit: { enabled: false } }),
        limiter: createPassThroughLimiter(),
      },
    );
    afterAll(() => driver.close());

    it('names the provider and its official https base URL', () => {
      expect(driver.provider).toBe(provider);
      expect(description.displayName).toMatch(/\S/);
      expect(new URL(description.defaultBaseUrl).protocol).toBe('https:');
      expect(driver.capabilities).toBe(description.capabilities);
    });

    it('has a field entry for every input field, each documented', () => {
      expect(Object.keys(description.fields).sort()).toEqual([...SUB_USER_INPUT_FIELDS].sort());
      for (const field of SUB_USER_INPUT_FIELDS) expect(description.fields[field].description).toMatch(/\S/);
    });

    it('publishes capabilities that agree with its field table', () => {
      const { capabilities, fields } = description;
      const held = (field: keyof typeof fields) => fields[field].support !== 'unsupported';
      expect(capabilities.notes).toBe(fields.notes.support === 'native' ? 'native' : 'gateway');
      expect(capabilities.groups).toBe(held('groupId'));
      expect(capabilities.maxConcurrency).toBe(held('maxConcurrency'));
      expect(capabilities.countries).toBe(held('countries'));
      expect(capabilities.trafficLimit).toBe(held('trafficLimitBytes'));
      // A prepaid allocation is never unlimited.
      if (capabilities.trafficModel === 'allocation') expect(capabilities.unlimitedTraffic).toBe(false);
      expect(capabilities.rateLimitPerMinute).toBeGreaterThan(0);
    });

    it('implements exactly the optional operations its capabilities promise', () => {
      const promised: Record<OptionalOperation, boolean> = {
        bulkDelete: true,
        refreshProxyList: description.capabilities.refreshProxyList,
        getCredentials: true,
        resetUsage: description.capabilities.resetUsage,
        setPassword: description.capabilities.setPassword,
        listGroups: description.capabilities.groups,
        getBalance: description.capabilities.balance,
      };
      for (const [operation, expected] of Object.entries(promised)) {
        expect([operation, supportsOperation(driver, operation as OptionalOperation)]).toEqual([
          operation,
          expected,
        ]);
      }
      expect(typeof driver.expectedEcho).toBe('function');
    });
  },
);

it('every provider name has exactly one built-in driver', () => {
  expect(BUILT_IN_DRIVER_FACTORIES.map((factory) => factory.provider).sort()).toEqual(
    [...PROVIDER_NAMES].sort(),
  );
});
