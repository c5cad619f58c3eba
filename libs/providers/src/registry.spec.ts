import { ProviderRegistry } from './registry';

describe('ProviderRegistry', () => {
  it('knows every built-in provider and paces each at its published limit', async () => {
    const registry = new ProviderRegistry({ driverOptions: { rateLimit: { enabled: false } } });
    expect(registry.supportedProviders()).toEqual(['webshare', 'proxyhat', 'iproyal']);
    expect(registry.driverOptions('proxyhat').rateLimit).toMatchObject({ enabled: false, perMinute: 60 });
    expect(registry.driverOptions('webshare').rateLimit.perMinute).toBe(240);
    // IPRoyal publishes no limit: the driver's own conservative pace.
    expect(registry.driverOptions('iproyal').rateLimit.perMinute).toBe(120);
    expect(registry.capabilities('webshare').bulkDelete).toBe('emulated');
    await registry.close();
  });
});
