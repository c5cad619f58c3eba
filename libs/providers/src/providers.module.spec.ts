import { Test } from '@nestjs/testing';
import { ProvidersModule } from './providers.module';
import { ProviderRegistry } from './registry';

describe('ProvidersModule', () => {
  it('provides one registry built from forRoot options and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ProvidersModule.forRoot({ driverOptions: { rateLimit: { enabled: false } } })],
    }).compile();
    const registry = moduleRef.get(ProviderRegistry);
    expect(registry).toBeInstanceOf(ProviderRegistry);
    expect(registry.supportedProviders()).toEqual(['webshare', 'proxyhat', 'iproyal']);
    expect(registry.driverOptions('proxyhat').rateLimit).toMatchObject({ enabled: false, perMinute: 60 });
    expect(registry.driverOptions('webshare').rateLimit.perMinute).toBe(240);
    // IPRoyal publishes no limit: the driver's own conservative pace.
    expect(registry.driverOptions('iproyal').rateLimit.perMinute).toBe(120);
    const close = jest.spyOn(registry, 'close');
    await moduleRef.close();
    expect(close).toHaveBeenCalled();
  });

  it('works without forRoot (defaults, REDIS_URL from the environment)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProvidersModule] }).compile();
    expect(moduleRef.get(ProviderRegistry).capabilities('webshare').bulkDelete).toBe('emulated');
    await moduleRef.close();
  });
});
