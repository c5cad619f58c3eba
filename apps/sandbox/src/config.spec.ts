import { applyConfigPatch, ConfigError, initialRuntimeConfig, sandboxOptionsFromEnv } from './config';

describe('sandboxOptionsFromEnv', () => {
  it('uses the documented defaults', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({
      port: 4010,
      host: '127.0.0.1',
      webshareKeys: ['ws-sandbox-key'],
      proxyhatKeys: ['ph-sandbox-key'],
      iproyalKeys: ['iproyal-sandbox-key'],
      iproyalBalanceGb: 1000,
      rateLimits: true,
      latencyMs: 0,
      jitterMs: 0,
      asyncDeleteMs: 2000,
      logger: false,
    });
  });

  it('reads SANDBOX_* variables and the seed flags', () => {
    const options = sandboxOptionsFromEnv(
      {
        SANDBOX_PORT: '5000',
        SANDBOX_WEBSHARE_KEYS: 'a, b ,,c',
        SANDBOX_PROXYHAT_KEYS: 'p',
        SANDBOX_IPROYAL_KEYS: 'i1,i2',
        SANDBOX_IPROYAL_BALANCE_GB: '32.6',
        SANDBOX_RATE_LIMITS: 'off',
        SANDBOX_LATENCY_MS: '25',
        SANDBOX_JITTER_MS: '5',
        SANDBOX_ASYNC_DELETE_MS: '100',
      },
      ['--seed-webshare', '30', '--seed-proxyhat=7', '--seed-iproyal', '4'],
    );
    expect(options).toMatchObject({
      port: 5000,
      webshareKeys: ['a', 'b', 'c'],
      proxyhatKeys: ['p'],
      iproyalKeys: ['i1', 'i2'],
      iproyalBalanceGb: 32.6,
      rateLimits: false,
      latencyMs: 25,
      jitterMs: 5,
      asyncDeleteMs: 100,
      seedWebshare: 30,
      seedProxyhat: 7,
      seedIproyal: 4,
    });
  });

  it('falls back to the default balance for a negative or non-numeric SANDBOX_IPROYAL_BALANCE_GB', () => {
    expect(sandboxOptionsFromEnv({ SANDBOX_IPROYAL_BALANCE_GB: '-5' }).iproyalBalanceGb).toBe(1000);
    expect(sandboxOptionsFromEnv({ SANDBOX_IPROYAL_BALANCE_GB: 'lots' }).iproyalBalanceGb).toBe(1000);
  });
});

describe('applyConfigPatch', () => {
  it('switches rate limits per provider or all at once', () => {
    const config = initialRuntimeConfig({});
    applyConfigPatch(config, { rateLimits: { proxyhat: { perMinute: 5 } } });
    expect(config.rateLimits.proxyhat).toEqual({ enabled: true, perMinute: 5 });
    applyConfigPatch(config, { rateLimits: false });
    expect(config.rateLimits.webshare.enabled).toBe(false);
    expect(config.rateLimits.proxyhat.enabled).toBe(false);
    expect(config.rateLimits.iproyal).toEqual({ enabled: false, perMinute: 120 });
  });

  it('rejects nonsense', () => {
    const config = initialRuntimeConfig({});
    expect(() => applyConfigPatch(config, { latencyMs: -5 })).toThrow(ConfigError);
    expect(() => applyConfigPatch(config, { rateLimits: { webshare: { perMinute: 0 } } })).toThrow(
      ConfigError,
    );
  });
});
