import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CATALOG, FieldError } from '@app/domain';

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
  @ApiProperty({ example: 'trafficLimit' })
  field!: string;

  @ApiProperty({ example: 'must be a positive amount of bytes or a string such as "5GB"' })
  message!: string;
}

/** RFC 9457 problem details, as every error of the gateway is answered. */
export class ProblemDetails {
  @ApiProperty({ example: 'urn:subuser-gateway:problem:validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty({ example: 'name must be shorter than or equal to 100 characters' })
  detail!: string;

  @ApiProperty({ enum: Object.keys(PROBLEM_CATALOG), example: 'VALIDATION_FAILED' })
  code!: ProblemCode;

  @ApiProperty({
    description: 'Who refused the call: the gateway itself or the upstream provider',
    enum: ['gateway', 'provider'],
  })
  source!: 'gateway' | 'provider';

  @ApiProperty({ example: '0d9e1c2a-6a55-4f0e-9d1f-3f3c0f6f3b9e' })
  requestId!: string;

  @ApiPropertyOptional({ type: [ProblemFieldError] })
  errors?: ProblemFieldError[];

  @ApiPropertyOptional({ example: 'proxyhat' })
  provider?: string;

  @ApiPropertyOptional({ example: 422, description: 'HTTP status the provider answered' })
  providerStatus?: number;

  @ApiPropertyOptional({ example: 'b5c2d9f0e1' })
  providerRequestId?: string;

  @ApiPropertyOptional({
    description: 'Present on INTERNAL errors; the same id is in the log line',
    example: 'err_3f9c1a',
  })
  errorId?: string;

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
