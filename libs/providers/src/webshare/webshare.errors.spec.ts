import { UpstreamFailure } from '../resilience/upstream-failure';
import { toWebshareError } from './webshare.errors';

const httpFailure = (
  status: number,
  body: unknown,
  extra: { requestId?: string; retryAfterSeconds?: number } = {},
) => new UpstreamFailure('http', 'create', { status, body, reason: `HTTP ${status}`, ...extra });

describe('webshare error mapping', () => {
  it('maps live-style DRF field errors to PROVIDER_REJECTED with normalized fields', () => {
    const error = toWebshareError(
      httpFailure(
        400,
        {
          label: [{ message: 'This field is required.', code: 'required' }],
          proxy_limit: [{ message: 'Ensure this value is greater than or equal to 0.', code: 'min_value' }],
          max_thread_count: [{ message: 'A valid integer is required.', code: 'invalid' }],
          proxy_countries: [{ message: 'Invalid country code.', code: 'invalid' }],
        },
        { requestId: 'req-1' },
      ),
    );
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.status).toBe(422);
    expect(error.provider).toBe('webshare');
    expect(error.providerStatus).toBe(400);
    expect(error.providerRequestId).toBe('req-1');
    expect(error.fieldErrors).toEqual([
      { field: 'name', message: 'This field is required.' },
      { field: 'trafficLimit', message: 'Ensure this value is greater than or equal to 0.' },
      { field: 'maxConcurrency', message: 'A valid integer is required.' },
      { field: 'countries', message: 'Invalid country code.' },
    ]);
    expect(error.detail).toContain('name: This field is required.');
  });

  it('accepts the older {"field": ["message"]} form', () => {
    const error = toWebshareError(httpFailure(400, { label: ['This field may not be blank.'] }));
    expect(error.fieldErrors).toEqual([{ field: 'name', message: 'This field may not be blank.' }]);
  });

  it.each([
    [404, { detail: 'Not found.' }, 'PROVIDER_NOT_FOUND', 404],
    [401, { detail: 'Invalid token.' }, 'PROVIDER_AUTH_FAILED', 502],
    [403, { detail: 'Your account is suspended.', code: 'account_suspended' }, 'PROVIDER_AUTH_FAILED', 502],
    [500, '<html>oops</html>', 'PROVIDER_UNAVAILABLE', 503],
    [503, null, 'PROVIDER_UNAVAILABLE', 503],
  ])('HTTP %d → %s', (status, body, code, httpStatus) => {
    const error = toWebshareError(httpFailure(status, body));
    expect(error.code).toBe(code);
    expect(error.status).toBe(httpStatus);
    expect(error.providerStatus).toBe(status);
  });

  it('keeps the DRF detail as the message', () => {
    expect(toWebshareError(httpFailure(404, { detail: 'Not found.' })).detail).toBe('Webshare: Not found.');
  });

  it('429 after retries → PROVIDER_RATE_LIMITED with Retry-After', () => {
    const error = toWebshareError(
      httpFailure(429, { detail: 'Request was throttled.' }, { retryAfterSeconds: 12 }),
    );
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(12);
  });

  it('says whether the provider may have acted', () => {
    expect(toWebshareError(httpFailure(400, {})).reachedProvider).toBe('yes');
    expect(
      toWebshareError(new UpstreamFailure('timeout', 'create', { reason: 'timed out' })).reachedProvider,
    ).toBe('maybe');
    expect(
      toWebshareError(new UpstreamFailure('dropped', 'create', { reason: 'ECONNRESET' })).reachedProvider,
    ).toBe('maybe');
    expect(
      toWebshareError(new UpstreamFailure('not-sent', 'create', { reason: 'ECONNREFUSED' })).reachedProvider,
    ).toBe('no');
    expect(
      toWebshareError(new UpstreamFailure('circuit-open', 'create', { reason: 'circuit open' }))
        .reachedProvider,
    ).toBe('no');
  });

  it('transport failures', () => {
    expect(toWebshareError(new UpstreamFailure('timeout', 'get', { reason: 'timed out' })).code).toBe(
      'PROVIDER_TIMEOUT',
    );
    expect(toWebshareError(new UpstreamFailure('not-sent', 'get', { reason: 'ECONNREFUSED' })).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    expect(toWebshareError(new UpstreamFailure('dropped', 'get', { reason: 'ECONNRESET' })).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    expect(
      toWebshareError(new UpstreamFailure('circuit-open', 'get', { reason: 'circuit open' })).detail,
    ).toMatch(/circuit open/);
  });
});
