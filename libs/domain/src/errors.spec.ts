import {
  DomainValidationError,
  ERROR_CATALOG,
  ERROR_CODES,
  GatewayError,
  ProviderError,
  UnsupportedByProviderError,
} from './errors';

describe('errors', () => {
  it('catalogs every code of the design with its HTTP status', () => {
    expect(ERROR_CODES).toHaveLength(19);
    expect(ERROR_CATALOG.QUOTA_EXCEEDED.status).toBe(422);
    expect(ERROR_CATALOG.PROVIDER_AUTH_FAILED.status).toBe(502);
    expect(ERROR_CATALOG.PROVIDER_RATE_LIMITED.status).toBe(503);
    expect(ERROR_CATALOG.PROVIDER_TIMEOUT.status).toBe(504);
    expect(ERROR_CATALOG.UNSUPPORTED_BY_PROVIDER.status).toBe(422);
  });

  it('builds typed errors', () => {
    const unsupported = new UnsupportedByProviderError('webshare', 'resetUsage');
    expect(unsupported).toBeInstanceOf(GatewayError);
    expect(unsupported.code).toBe('UNSUPPORTED_BY_PROVIDER');
    expect(unsupported.status).toBe(422);
    expect(unsupported.name).toBe('UnsupportedByProviderError');

    const upstream = new ProviderError('proxyhat', 'PROVIDER_RATE_LIMITED', 'slow down', {
      providerStatus: 429,
      retryAfterSeconds: 30,
    });
    expect(upstream.status).toBe(503);
    expect(upstream.title).toBe('Provider rate limit exceeded');
    expect(upstream.retryAfterSeconds).toBe(30);
    expect(upstream.providerRequestId).toBeUndefined();

    const invalid = new DomainValidationError('name', 'too long');
    expect(invalid.fieldErrors).toEqual([{ field: 'name', message: 'too long' }]);
  });
});
