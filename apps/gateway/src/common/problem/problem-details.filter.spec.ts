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

  it('maps Nest HTTP exceptions by status, and Fastify parser errors to MALFORMED_REQUEST', () => {
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
    expect(problemFor(tooLarge, 'r')).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
      detail: 'Request body is too large',
    });
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
