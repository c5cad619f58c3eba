import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_CATALOG, ErrorCode } from '@app/domain';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, problemType } from './problem-details';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (not JSON, wrong content type, body too large)',
  401: 'No key, or an unknown or revoked key',
  403: 'The key lacks the scope',
  404: 'Unknown id, or an id of another tenant',
  409: 'Conflict (including idempotency conflicts)',
  412: 'If-Match does not match the current ETag',
  422: 'Validation failed, or unsupported by the provider, or the provider rejected the content',
  429: 'Gateway rate limit exceeded (Retry-After)',
  502: 'The provider refused the gateway’s credentials for that account',
  503: 'The provider is unavailable or kept rate limiting (Retry-After)',
  504: 'The provider did not answer in time',
};

const EXAMPLE_CODE: Record<number, ErrorCode> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
  502: 'PROVIDER_AUTH_FAILED',
  503: 'PROVIDER_UNAVAILABLE',
  504: 'PROVIDER_TIMEOUT',
};

/** Documents problem+json error answers for the given statuses, each with an example. */
export function ApiProblemResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) => {
      const code = EXAMPLE_CODE[status] ?? 'INTERNAL';
      return ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? ERROR_CATALOG[code].title,
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: '#/components/schemas/ProblemDetails' },
            example: {
              type: problemType(code),
              title: ERROR_CATALOG[code].title,
              status,
              detail: ERROR_CATALOG[code].title,
              code,
              source: code.startsWith('PROVIDER_') ? 'provider' : 'gateway',
              requestId: '8f14e45f-ceea-467f-a8f5-6f1e1c9b8f2a',
            },
          },
        },
      });
    }),
  );
}

export { ProblemDetails };
