import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ProblemDetails } from '../common/problem/problem-details';

export const IDEMPOTENT = 'sgw:idempotent';

export interface IdempotentOptions {
  /** The answer holds a secret (a generated password, an API key): store it encrypted. */
  sealResponse?: boolean;
}

/**
 * Marks a POST that creates or changes something: with an `Idempotency-Key` header its answer
 * (2xx or 4xx) is stored for 24 hours and replayed for a retry with the same body.
 */
export function Idempotent(options: IdempotentOptions = {}) {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string (1–255 printable ASCII characters). A retry with the same key and body ' +
        'gets the first answer again, with `Idempotent-Replayed: true`; kept 24 hours.',
      schema: { type: 'string', maxLength: 255, example: '5f0c1e7a-create-customer-42' },
    }),
    ApiResponse({
      status: 409,
      description:
        'IDEMPOTENCY_CONFLICT (same key, different body), IDEMPOTENCY_IN_PROGRESS (same key still running) or CONFLICT',
      type: ProblemDetails,
    }),
  );
}
