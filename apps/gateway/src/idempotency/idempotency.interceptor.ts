import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, catchError, from, mergeMap, of } from 'rxjs';
import { PROBLEM_CONTENT_TYPE } from '../common/problem/problem-details';
import { RenderedProblem, problemFor } from '../common/problem/problem-details.filter';
import { requestHash } from '@app/domain';
import { IDEMPOTENT, IdempotentOptions } from './idempotent.metadata';
import { IdempotencyService, type IdempotencySlot, parseIdempotencyKey } from './idempotency.service';

const SLOTS = new WeakMap<FastifyRequest, IdempotencySlot>();

/** The request's running Idempotency-Key claim, for a handler that stores its answer itself. */
export function idempotencySlotOf(request: FastifyRequest): IdempotencySlot | undefined {
  return SLOTS.get(request);
}

/** Answers a retry must not replay: the next attempt may well succeed. */
const NOT_STORED = new Set<string>([
  'INTERNAL',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
  'PROVIDER_RATE_LIMITED',
  'RATE_LIMITED',
  // An earlier attempt under the same key was still being resolved: the next retry may find it done.
  'IDEMPOTENCY_IN_PROGRESS',
]);

export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * The key's scope is the route and its decoded parameters, never the raw URL: `/v1/%73ub-users`,
 * `/v1/sub-users/` and `/v1/sub-users` are one resource and must share one key.
 */
export function routeScope(request: FastifyRequest): string {
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  const params = (request.params ?? {}) as Record<string, string>;
  return route.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** On the handlers marked @Idempotent() (the decorator applies it); acts when they receive an Idempotency-Key header. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, context.getHandler());
    if (!options) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.auth) return next.handle();

    const key = parseIdempotencyKey(header);
    const sealResponse = options.sealResponse === true;
    // Per API key: a stored answer goes back only to the key whose request made it, so neither
    // another key of the tenant (fewer scopes) nor one of an admin's tenant replays what it could
    // not have asked for itself (an admin acts on every tenant).
    const scope = {
      tenantId: request.auth.tenantId,
      apiKeyId: request.auth.keyId,
      method: request.method,
      path: routeScope(request),
      key,
    };
    const start = await this.idempotency.begin(scope, requestHash(request.body), sealResponse);
    if (start.kind === 'replay') {
      void reply.status(start.status).header(REPLAYED_HEADER, 'true');
      if (start.status >= 400) void reply.header('content-type', PROBLEM_CONTENT_TYPE);
      return of(start.body);
    }

    const { recordId } = start;
    const slot: IdempotencySlot = {
      recordId,
      answered: false,
      storedForm: (body) => this.idempotency.storedForm(reply.statusCode, body, sealResponse),
    };
    SLOTS.set(request, slot);
    const stopRenewing = this.idempotency.keepAlive(recordId);
    return next.handle().pipe(
      mergeMap(async (body) => {
        stopRenewing();
        // Stored already with the handler's own write (a create's completion): nothing to do.
        if (!slot.answered) await this.idempotency.complete(recordId, reply.statusCode, body, sealResponse);
        return body;
      }),
      catchError((error: unknown) =>
        from(
          (async () => {
            stopRenewing();
            // Rendered here once, so the stored body is exactly what the filter sends.
            const problem = problemFor(error, String(request.id));
            if (problem.status >= 500 || NOT_STORED.has(problem.code)) {
              await this.idempotency.abandon(recordId);
            } else {
              await this.idempotency.complete(recordId, problem.status, problem, sealResponse);
            }
            throw new RenderedProblem(problem, error);
          })(),
        ),
      ),
    );
  }
}
