import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { FieldError, GatewayError } from '@app/domain';
import { isUuid } from './ids';
import { inputRefused, printableName, unstorableFields } from './storable-input';

/** The request headers the API reads and may store (an idempotency record keeps its key). */
export const READ_HEADERS: Record<string, string> = {
  'idempotency-key': 'Idempotency-Key',
  'if-match': 'If-Match',
};

/**
 * Routes whose `:id` is not a UUID: a tenant's id is text (`default`, and UUIDs for new ones).
 * Every other path parameter named `id` or `…Id` holds a UUID the gateway issued.
 */
export const TEXT_ID_ROUTES: readonly string[] = ['/v1/tenants/:id'];

function isIdParameter(name: string): boolean {
  return name === 'id' || name.endsWith('Id');
}

/**
 * The one check every input of every route passes before anything reads it: path parameters,
 * the query, the headers the API reads and the parsed JSON body (see storable-input.ts). Anything
 * PostgreSQL cannot store, numbers no field holds and JSON nested past MAX_INPUT_DEPTH answer 422
 * VALIDATION_FAILED, naming every field at fault; a path id that is not a UUID answers 404, and
 * one that is goes on in lower case, its one spelling.
 *
 * A global guard registered after the others (app.factory.ts), so the API key, its scopes and its
 * rate limit are settled first (a refused request still counts against the key); and a guard, so
 * it runs before every interceptor (the idempotency interceptor hashes and stores the request) and
 * every pipe (the validation pipe recurses through the body).
 */
@Injectable()
export class EdgeInputGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const params = (request.params ?? {}) as Record<string, unknown>;
    const faults: FieldError[] = [
      ...unstorableFields(params, 'path'),
      ...unstorableFields(request.query ?? {}, 'query'),
      ...headerFaults(request),
      ...(request.body === undefined ? [] : unstorableFields(request.body, 'body')),
    ];
    if (faults.length > 0) throw inputRefused(faults);

    const route = request.routeOptions.url ?? '';
    if (!TEXT_ID_ROUTES.includes(route)) {
      for (const [name, value] of Object.entries(params)) {
        if (!isIdParameter(name)) continue;
        if (!isUuid(value)) {
          throw new GatewayError(
            'NOT_FOUND',
            `No such ${name}: '${printableName(String(value))}' is not a UUID`,
          );
        }
        // One spelling per id: PostgreSQL reads 8120DD91-… and 8120dd91-… as one uuid, so the
        // handlers and the idempotency scope (the route with its parameters) must see one string.
        params[name] = value.toLowerCase();
      }
    }
    return true;
  }
}

function headerFaults(request: FastifyRequest): FieldError[] {
  const present: Record<string, unknown> = {};
  for (const [header, field] of Object.entries(READ_HEADERS)) {
    const value = request.headers[header];
    if (value !== undefined) present[field] = value;
  }
  return unstorableFields(present, 'headers');
}
