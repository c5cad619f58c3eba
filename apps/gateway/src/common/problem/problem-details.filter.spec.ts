import { BadRequestException, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { GatewayError, ProviderError } from '@app/domain';
import { problemFor } from './problem-details.filter';

describe('problemFor', () => {
  it('renders a provider error with who refused and the provider’s own status and request id', () => {
    const error = new ProviderError(
      'proxyhat',
      'PROVIDER_REJECTED',
      'ProxyHat: The given data was invalid.',
      {
        providerStatus: 422,
        providerRequestId: 'req-77',
        fieldErrors: [{ field: 'groupId', message: 'The selected sub user group id is invalid.' }],
      },
    );
    expect(problemFor(error, 'r-1')).toEqual({
      type: 'urn:subuser-gateway:problem:provider-rejected',
      title: 'Provider rejected the request',
      status: 422,
      detail: 'ProxyHat: The given data was invalid.',
      code: 'PROVIDER_REJECTED',
      source: 'provider',
      requestId: 'r-1',
      provider: 'proxyhat',
      providerStatus: 422,
      providerRequestId: 'req-77',
      errors: [{ field: 'groupId', message: 'The selected sub user group id is invalid.' }],
    });
  });

  it('maps Nest HTTP exceptions by status, Fastify parser errors to MALFORMED_REQUEST, and hardening #8: a body over the limit to 413 PAYLOAD_TOO_LARGE', () => {
    expect(problemFor(new NotFoundException('Cannot GET /x'), 'r')).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(problemFor(new BadRequestException('bad'), 'r')).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
    });
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(problemFor(tooLarge, 'r')).toEqual({
      type: 'urn:subuser-gateway:problem:payload-too-large',
      title: 'Payload too large',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      source: 'gateway',
      detail: 'Request body is larger than the gateway accepts (BODY_LIMIT_BYTES)',
      requestId: 'r',
    });
    const badJson = Object.assign(new Error('Unexpected token'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    expect(problemFor(badJson, 'r')).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
  });

  // The shapes below are what Prisma 7 with @prisma/adapter-pg and pg were seen to throw.
  it.each([
    [
      'an unreachable server (Prisma P1001)',
      Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), {
        code: 'P1001',
        meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1' } } },
      }),
    ],
    [
      'a raw query on an unreachable server (P2010 wrapping DatabaseNotReachable)',
      Object.assign(new Error('Raw query failed'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
      }),
    ],
    [
      'a terminated backend (57P01)',
      Object.assign(new Error('Raw query failed'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01', severity: 'FATAL' } } },
      }),
    ],
    [
      'a database not accepting connections (FATAL 55000)',
      Object.assign(new Error('Database error'), {
        code: 'P2039',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '55000', severity: 'FATAL' } } },
      }),
    ],
    ['pg: a connection cut under it', new Error('Connection terminated unexpectedly')],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])('hardening #9: answers 503 DATABASE_UNAVAILABLE for %s', (_label, error) => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(problemFor(error, 'r')).toEqual({
        type: 'urn:subuser-gateway:problem:database-unavailable',
        title: 'Database unavailable',
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
        source: 'gateway',
        detail: 'The database cannot be reached right now; retry after the time in Retry-After',
        requestId: 'r',
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('hardening #9: keeps a query the database refused (a constraint, a syntax error) a 500 INTERNAL', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const refused = Object.assign(new Error('Raw query failed'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '42601', severity: 'ERROR' } } },
      });
      expect(problemFor(refused, 'r').code).toBe('INTERNAL');
    } finally {
      log.mockRestore();
    }
  });

  it('turns anything unexpected into 500 INTERNAL with an error id that is also logged, never the error text', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const problem = problemFor(new TypeError('secret-ish internals: password=hunter2'), 'r-9');
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL', source: 'gateway', requestId: 'r-9' });
      expect(problem.errorId).toMatch(/^err_[0-9a-f]{12}$/);
      expect(problem.detail).toContain(problem.errorId);
      expect(JSON.stringify(problem)).not.toContain('hunter2');
      expect(log).toHaveBeenCalledWith(
        expect.objectContaining({ errorId: problem.errorId, requestId: 'r-9' }),
        expect.stringContaining(problem.errorId!),
      );
      // A status the API never answers with on purpose is a bug too.
      expect(problemFor(new ServiceUnavailableException(), 'r').code).toBe('INTERNAL');
      expect(problemFor(new GatewayError('INTERNAL', 'invariant broken'), 'r').errorId).toBeDefined();
    } finally {
      log.mockRestore();
    }
  });
});
