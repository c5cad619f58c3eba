import { UpstreamFailure } from '../resilience/upstream-failure';
import { redactSecrets } from '../upstream-errors';
import insufficientBalance from './__fixtures__/insufficient-balance.json';
import validationError from './__fixtures__/validation-error.json';
import { toIproyalError } from './iproyal.errors';

const httpFailure = (status: number, body: unknown, retryAfterSeconds?: number) =>
  new UpstreamFailure('http', 'create', {
    status,
    body,
    reason: `HTTP ${status}`,
    requestId: 'req-9',
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });

describe('iproyal error mapping', () => {
  it('422 Laravel validation → PROVIDER_REJECTED, every field error in our field names', () => {
    const error = toIproyalError(httpFailure(422, validationError));
    expect(error).toMatchObject({
      code: 'PROVIDER_REJECTED',
      status: 422,
      provider: 'iproyal',
      providerStatus: 422,
      providerRequestId: 'req-9',
      reachedProvider: 'yes',
    });
    expect(error.fieldErrors).toEqual([
      { field: 'proxyUsername', message: 'The username has already been taken.' },
      { field: 'proxyPassword', message: 'The password field must be at least 6 characters.' },
      { field: 'trafficLimit', message: 'The traffic field must be a number.' },
    ]);
    expect(error.detail).toBe(
      'IPRoyal: validation failed (proxyUsername: The username has already been taken.; ' +
        'proxyPassword: The password field must be at least 6 characters.; ' +
        'trafficLimit: The traffic field must be a number.)',
    );
  });

  it('an insufficient balance → PROVIDER_REJECTED whose detail says the account is short', () => {
    const error = toIproyalError(httpFailure(422, insufficientBalance));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.detail).toBe(
      "IPRoyal: the account's prepaid traffic balance is too small for this allocation " +
        '(Insufficient balance: the account has only 0.5 GB of traffic available.)',
    );
    expect(error.fieldErrors).toEqual([
      {
        field: 'trafficLimit',
        message: 'Insufficient balance: the account has only 0.5 GB of traffic available.',
      },
    ]);
    // However IPRoyal words it, and whatever status it uses.
    expect(
      toIproyalError(httpFailure(400, { message: 'Not enough traffic in your balance.' })).detail,
    ).toMatch(/^IPRoyal: the account's prepaid traffic balance is too small/);
    expect(
      toIproyalError(httpFailure(422, { message: 'x', errors: { amount: ['Insufficient traffic.'] } }))
        .fieldErrors,
    ).toEqual([{ field: 'trafficLimit', message: 'Insufficient traffic.' }]);
  });

  it('401 "Unauthenticated." → PROVIDER_AUTH_FAILED (502, never 401)', () => {
    const error = toIproyalError(httpFailure(401, { message: 'Unauthenticated.' }));
    expect(error).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      status: 502,
      detail: 'IPRoyal: Unauthenticated.',
    });
  });

  it("404 → PROVIDER_NOT_FOUND with Laravel's message", () => {
    const error = toIproyalError(
      httpFailure(404, { message: 'No query results for model [App\\Models\\ResidentialSubuser] 01ABC' }),
    );
    expect(error).toMatchObject({ code: 'PROVIDER_NOT_FOUND', status: 404, providerStatus: 404 });
    expect(toIproyalError(httpFailure(404, null)).detail).toBe('IPRoyal: not found');
  });

  it('429 after the retries → PROVIDER_RATE_LIMITED with Retry-After; 5xx → PROVIDER_UNAVAILABLE', () => {
    expect(toIproyalError(httpFailure(429, { message: 'Too Many Attempts.' }, 30))).toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      status: 503,
      retryAfterSeconds: 30,
    });
    expect(toIproyalError(httpFailure(503, { message: 'Service Unavailable' })).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    expect(toIproyalError(new UpstreamFailure('timeout', 'create', { reason: 'timed out' }))).toMatchObject({
      code: 'PROVIDER_TIMEOUT',
      reachedProvider: 'maybe',
      detail: 'IPRoyal did not answer create in time',
    });
  });

  it('a password the provider quotes back is redacted from detail and field messages', () => {
    const quoted = toIproyalError(
      httpFailure(422, {
        message: 'The password pw-Secret-42 is too common.',
        errors: { password: ['The password pw-Secret-42 is too common.'] },
      }),
    );
    const redacted = redactSecrets(quoted, ['pw-Secret-42']);
    expect(`${JSON.stringify(redacted)} ${redacted.message} ${redacted.stack}`).not.toContain('pw-Secret-42');
    expect(redacted.fieldErrors).toEqual([
      { field: 'proxyPassword', message: 'The password [redacted] is too common.' },
    ]);
    expect(redacted).toMatchObject({
      code: 'PROVIDER_REJECTED',
      providerStatus: 422,
      providerRequestId: 'req-9',
    });
    expect(redactSecrets(quoted, ['not-in-it'])).toBe(quoted);
  });
});
