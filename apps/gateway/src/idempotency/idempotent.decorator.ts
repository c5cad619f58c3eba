import { SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENT, type IdempotentOptions } from './idempotent.metadata';

export { IDEMPOTENT, type IdempotentOptions } from './idempotent.metadata';

/**
 * Marks a POST that creates or changes something: with an `Idempotency-Key` header its answer
 * (2xx or 4xx) is stored for 24 hours and replayed for a retry with the same body. The document
 * builder gives such operations their 409 IDEMPOTENCY_CONFLICT / IDEMPOTENCY_IN_PROGRESS answers
 * and the `Idempotent-Replayed` header (docs/openapi-conventions.ts). The header has no example
 * value on purpose: Swagger UI would send the same key with every example body.
 */
export function Idempotent(options: IdempotentOptions = {}) {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    // On these routes only: a global interceptor would wrap every request (Nest's interceptor
    // chain, an AsyncResource.bind and an Observable per request) to do nothing on the others.
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string (1–255 printable ASCII characters), e.g. a UUID per logical request. A retry ' +
        'with the same key and body gets the first answer again, with `Idempotent-Replayed: true`; ' +
        'the same key with another body is 409 IDEMPOTENCY_CONFLICT. Kept 24 hours, per API key: another ' +
        'key sending the same value is a request of its own.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
    ApiProblemResponses('IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_IN_PROGRESS'),
  );
}
