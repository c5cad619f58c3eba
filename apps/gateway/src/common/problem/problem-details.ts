import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CATALOG, FieldError, PROVIDER_NAMES } from '@app/domain';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Codes only the HTTP edge answers: limits of the transport and an unreachable database. No
 * service throws them; the problem rendering (the filter, the client-error handler) does.
 */
export const EDGE_ERROR_CATALOG = {
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

/** Every code a problem can carry: the domain's and the edge's. */
export const PROBLEM_CATALOG = { ...ERROR_CATALOG, ...EDGE_ERROR_CATALOG };
export type ProblemCode = keyof typeof PROBLEM_CATALOG;

export class ProblemFieldError implements FieldError {
  @ApiProperty({ type: String, example: 'trafficLimit', description: 'The field, as the request names it' })
  field!: string;

  @ApiProperty({ type: String, example: 'must be a positive amount of bytes or a string such as "5GB"' })
  message!: string;
}

/**
 * RFC 9457 problem details, as every error of the gateway is answered. The members after
 * `errors` appear with the codes that set them; RFC 9457 allows further extension members.
 */
export class ProblemDetails {
  @ApiProperty({
    type: String,
    example: 'urn:subuser-gateway:problem:not-found',
    description: '`urn:subuser-gateway:problem:<code in kebab case>`',
  })
  type!: string;

  @ApiProperty({ type: String, example: 'Not found' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status, repeated' })
  status!: number;

  @ApiProperty({ type: String, example: 'No sub-user 0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b' })
  detail!: string;

  @ApiProperty({
    type: String,
    enum: Object.keys(PROBLEM_CATALOG),
    example: 'NOT_FOUND',
    description: 'Stable: program against this, not the text',
  })
  code!: ProblemCode;

  @ApiProperty({
    type: String,
    description: 'Who refused the call: the gateway itself or the upstream provider',
    enum: ['gateway', 'provider'],
    example: 'gateway',
  })
  source!: 'gateway' | 'provider';

  @ApiProperty({
    type: String,
    example: '0d9e1c2a-6a55-4f0e-9d1f-3f3c0f6f3b9e',
    description: 'The same as the X-Request-Id header and the log lines of the request',
  })
  requestId!: string;

  @ApiPropertyOptional({
    type: [ProblemFieldError],
    description: 'Every field at fault (VALIDATION_FAILED, UNSUPPORTED_BY_PROVIDER, PROVIDER_REJECTED)',
  })
  errors?: ProblemFieldError[];

  @ApiPropertyOptional({
    type: String,
    enum: PROVIDER_NAMES,
    example: 'proxyhat',
    description: 'The provider concerned (PROVIDER_* and UNSUPPORTED_BY_PROVIDER)',
  })
  provider?: string;

  @ApiPropertyOptional({ type: 'integer', example: 422, description: 'HTTP status the provider answered' })
  providerStatus?: number;

  @ApiPropertyOptional({ type: String, example: 'b5c2d9f0e1', description: 'The provider’s request id' })
  providerRequestId?: string;

  @ApiPropertyOptional({
    type: String,
    description: 'Present on INTERNAL errors; the same id is in the log line',
    example: 'err_3f9c1a0b2d4e',
  })
  errorId?: string;

  @ApiPropertyOptional({
    type: String,
    example: 'maxConcurrency',
    description: 'UNSUPPORTED_BY_PROVIDER: the first field or operation refused',
  })
  operationOrField?: string;

  @ApiPropertyOptional({
    type: String,
    example: 'sub-users:write',
    description: 'FORBIDDEN: the scope the key lacks',
  })
  requiredScope?: string;

  @ApiPropertyOptional({
    type: 'integer',
    example: 6000,
    description: 'RATE_LIMITED: the limit of this API key per minute',
  })
  limitPerMinute?: number;

  [extra: string]: unknown;
}

export function problemType(code: ProblemCode): string {
  return `urn:subuser-gateway:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function buildProblem(
  code: ProblemCode,
  detail: string,
  requestId: string,
  extras: Partial<ProblemDetails> = {},
): ProblemDetails {
  const { status, title } = PROBLEM_CATALOG[code];
  return {
    type: problemType(code),
    title,
    status,
    detail,
    code,
    source: code.startsWith('PROVIDER_') ? 'provider' : 'gateway',
    requestId,
    ...extras,
  };
}
