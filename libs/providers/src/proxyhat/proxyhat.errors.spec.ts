import { UpstreamFailure } from '../resilience/upstream-failure';
import { toProxyhatError } from './proxyhat.errors';

const httpFailure = (status: number, body: unknown, retryAfterSeconds?: number) =>
  new UpstreamFailure('http', 'create', {
    status,
    body,
    reason: `HTTP ${status}`,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });

describe('proxyhat error mapping', () => {
  it('maps the documented 422 envelope to PROVIDER_REJECTED with normalized fields', () => {
    const error = toProxyhatError(
      httpFailure(422, {
        success: false,
        payload: null,
        errors: {
          traffic_limit: ['The traffic limit format is invalid.'],
          sub_user_group_id: ['The selected group is invalid.'],
          proxy_password: ['The proxy password field is required.'],
          name: ['The name may not be greater than 255 characters.'],
          notes: ['The notes must be a string.'],
        },
        description: 'Validation failed',
      }),
    );
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.status).toBe(422);
    expect(error.providerStatus).toBe(422);
    expect(error.fieldErrors).toEqual([
      { field: 'trafficLimit', message: 'The traffic limit format is invalid.' },
      { field: 'groupId', message: 'The selected group is invalid.' },
      { field: 'proxyPassword', message: 'The proxy password field is required.' },
      { field: 'name', message: 'The name may not be greater than 255 characters.' },
      { field: 'notes', message: 'The notes must be a string.' },
    ]);
    expect(error.detail).toMatch(/^ProxyHat: Validation failed \(trafficLimit: /);
  });

  it('401 {"message": "Unauthenticated."} → PROVIDER_AUTH_FAILED (502, never 401)', () => {
    const error = toProxyhatError(httpFailure(401, { message: 'Unauthenticated.' }));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(error.status).toBe(502);
    expect(error.detail).toBe('ProxyHat: Unauthenticated.');
  });

  it('403 → PROVIDER_AUTH_FAILED', () => {
    expect(toProxyhatError(httpFailure(403, { message: 'Two-factor required.' })).code).toBe(
      'PROVIDER_AUTH_FAILED',
    );
  });

  it('429 "Too Many Attempts." with Retry-After: 30 → PROVIDER_RATE_LIMITED', () => {
    const error = toProxyhatError(httpFailure(429, { message: 'Too Many Attempts.' }, 30));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(30);
  });

  it.each([
    [
      { success: false, payload: null, errors: [], description: 'Sub-user not found' },
      'ProxyHat: Sub-user not found',
    ],
    [{ message: 'No query results for model.' }, 'ProxyHat: No query results for model.'],
    [undefined, 'ProxyHat: not found'],
  ])('404 in any shape → PROVIDER_NOT_FOUND', (body, detail) => {
    const error = toProxyhatError(httpFailure(404, body));
    expect(error.code).toBe('PROVIDER_NOT_FOUND');
    expect(error.detail).toBe(detail);
  });

  it('5xx → PROVIDER_UNAVAILABLE', () => {
    expect(toProxyhatError(httpFailure(502, 'Bad gateway')).code).toBe('PROVIDER_UNAVAILABLE');
  });
});
