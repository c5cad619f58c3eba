import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ProblemDetails } from '../common/problem/problem-details';

/** Swagger for the admin-only access controllers. */
export function ApiAccessController() {
  return applyDecorators(
    ApiTags('access'),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({
      description: 'UNAUTHENTICATED: no key, or an unknown or revoked key',
      type: ProblemDetails,
    }),
    ApiForbiddenResponse({ description: 'FORBIDDEN: the key lacks the `admin` scope', type: ProblemDetails }),
  );
}
