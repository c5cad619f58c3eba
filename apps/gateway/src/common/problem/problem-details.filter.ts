import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, ProviderError } from '@app/domain';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { isRecordGone } from '@app/persistence';
import { PROBLEM_CONTENT_TYPE, ProblemCode, ProblemDetails, buildProblem } from './problem-details';

const STATUS_TO_CODE: Record<number, ProblemCode> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'MALFORMED_REQUEST',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
};

const BODY_TOO_LARGE = 'Request body is larger than the gateway accepts (BODY_LIMIT_BYTES)';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/**
 * A problem already rendered (by the idempotency interceptor, which stores it): the filter sends
 * exactly this body, so a stored answer and the one sent first are the same, error id included.
 */
export class RenderedProblem extends Error {
  constructor(
    readonly problem: ProblemDetails,
    readonly original: unknown,
  ) {
    super(problem.detail);
    this.name = 'RenderedProblem';
  }
}

const logger = new Logger('ProblemDetails');

/**
 * Turns every error into RFC 9457 problem+json with a stable code: the gateway's own errors,
 * Nest's HTTP exceptions, Fastify's body-parser errors (which Nest lets through raw) and
 * anything unexpected, which becomes 500 INTERNAL with an error id that is also logged.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(thrown: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    replyWithProblem(context.getRequest<FastifyRequest>(), context.getResponse<FastifyReply>(), thrown);
  }
}

/**
 * Sends the problem for `thrown` with its headers (Retry-After, an HttpException's own): the one
 * way every error answer leaves the gateway, from the filter and from the Fastify hooks that
 * answer before Nest runs (authentication, router errors).
 */
export function replyWithProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  thrown: unknown,
): FastifyReply {
  const problem = thrown instanceof RenderedProblem ? thrown.problem : problemFor(thrown, String(request.id));
  const exception = thrown instanceof RenderedProblem ? thrown.original : thrown;
  const seconds = retryAfterSeconds(problem, exception);
  if (seconds !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(seconds))));
  if (exception instanceof HttpException) {
    const headers = (exception.getResponse() as { headers?: Record<string, string> }).headers;
    for (const [name, value] of Object.entries(headers ?? {})) void reply.header(name, value);
  }
  return reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

function retryAfterSeconds(problem: ProblemDetails, exception: unknown): number | undefined {
  if (problem.code === 'DATABASE_UNAVAILABLE') return DATABASE_RETRY_AFTER_SECONDS;
  if (exception instanceof ProviderError && exception.retryAfterSeconds !== undefined) {
    return exception.retryAfterSeconds;
  }
  const extra = exception instanceof GatewayError ? exception.extras?.retryAfterSeconds : undefined;
  return typeof extra === 'number' ? extra : undefined;
}

/** The problem body for any thrown value (unexpected ones are logged with their error id). */
export function problemFor(exception: unknown, requestId: string): ProblemDetails {
  if (exception instanceof RenderedProblem) return exception.problem;
  if (exception instanceof GatewayError) {
    const extras: Partial<ProblemDetails> = {};
    if (exception.fieldErrors?.length) extras.errors = exception.fieldErrors;
    if (exception instanceof ProviderError) {
      extras.provider = exception.provider;
      if (exception.providerStatus !== undefined) extras.providerStatus = exception.providerStatus;
      if (exception.providerRequestId !== undefined) extras.providerRequestId = exception.providerRequestId;
    }
    for (const [key, value] of Object.entries(exception.extras ?? {})) {
      if (key !== 'retryAfterSeconds') extras[key] = value;
    }
    const problem = buildProblem(exception.code, exception.detail, requestId, extras);
    if (exception.code === 'INTERNAL') return internalProblem(exception, requestId);
    return problem;
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_TO_CODE[status];
    if (!code) return internalProblem(exception, requestId);
    const body = exception.getResponse();
    const message =
      typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    return buildProblem(code, code === 'PAYLOAD_TOO_LARGE' ? BODY_TOO_LARGE : detail, requestId);
  }
  if (isDatabaseUnavailable(exception)) {
    // Logged without the error's text, which can name the database host.
    logger.warn({ requestId }, 'Database unavailable');
    return buildProblem(
      'DATABASE_UNAVAILABLE',
      'The database cannot be reached right now; retry after the time in Retry-After',
      requestId,
    );
  }
  if (isRecordGone(exception)) {
    // Every write reads its row first: one that finds none lost a race to a removal.
    return buildProblem('NOT_FOUND', 'It was removed by another request meanwhile', requestId);
  }
  const fastifyError = exception as FastifyLikeError;
  if (typeof fastifyError?.code === 'string' && fastifyError.code.startsWith('FST_')) {
    const status = fastifyError.statusCode ?? 500;
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return buildProblem('PAYLOAD_TOO_LARGE', describeFastifyError(fastifyError), requestId);
    }
    if (status >= 400 && status < 500) {
      return buildProblem('MALFORMED_REQUEST', describeFastifyError(fastifyError), requestId);
    }
  }
  // A JSON syntax error from the body parser carries statusCode 400 but no FST_ code.
  if (exception instanceof SyntaxError && fastifyError.statusCode === 400) {
    return buildProblem('MALFORMED_REQUEST', 'Body is not valid JSON', requestId);
  }
  return internalProblem(exception, requestId);
}

function internalProblem(exception: unknown, requestId: string): ProblemDetails {
  const errorId = `err_${randomBytes(6).toString('hex')}`;
  logger.error(
    {
      errorId,
      requestId,
      err:
        exception instanceof Error
          ? { name: exception.name, message: exception.message, stack: exception.stack }
          : String(exception),
    },
    `Unexpected error ${errorId}`,
  );
  return buildProblem(
    'INTERNAL',
    `Unexpected error; quote error id ${errorId} when reporting it`,
    requestId,
    {
      errorId,
    },
  );
}

function describeFastifyError(error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return BODY_TOO_LARGE;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Body cannot be empty when content-type is application/json';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'Body is not valid JSON';
    default:
      return error.message ?? 'Malformed request';
  }
}
