import { METHOD_METADATA } from '@nestjs/common/constants';
import { PROBLEM_CATALOG, ProblemCode, ProblemDetails, buildProblem } from './problem-details';

/**
 * How the gateway documents its error answers. An operation names the problem codes it can answer
 * (`@ApiProblemResponses('NOT_FOUND', 'UNSUPPORTED_BY_PROVIDER', ...)`, or a status for its usual
 * codes); the document builder (docs/openapi-conventions.ts) adds the ones every operation of its
 * kind can answer (401/403/429/503/500 for an authenticated route, 400/413/422 for a body, 409 for
 * an idempotent POST) and renders each status once, as application/problem+json with one named
 * example per code, every example a body of that status.
 */

/** The vendor extension that carries an operation's codes to the document builder (removed there). */
export const PROBLEM_CODES_EXTENSION = 'x-problem-codes';

/** Where @nestjs/swagger keeps an operation's `x-` extensions (its API_EXTENSION_METADATA). */
const API_EXTENSION_METADATA = 'swagger/apiExtension';

export interface ProblemDoc {
  /** When the gateway answers it (the response description lists these). */
  when: string;
  /** The example body's detail and extra members. */
  detail: string;
  extras?: Partial<ProblemDetails>;
}

const REQUEST_ID = '4f1c2b9e-7d3a-4e8b-a6c5-0b9d8e7f6a51';

/** One entry per code: what it means and a body the gateway really sends for it. */
export const PROBLEM_DOCS: Partial<Record<ProblemCode, ProblemDoc>> = {
  MALFORMED_REQUEST: {
    when: 'the body is not JSON or not `application/json`, or the URL cannot be decoded',
    detail: 'Body is not valid JSON',
  },
  VALIDATION_FAILED: {
    when: 'a field, query parameter, header or cursor is invalid (every field at once, in `errors`)',
    detail:
      'name: name must be longer than or equal to 1 characters; trafficLimit: trafficLimit must be a positive number of bytes or a string such as "5GB" or "500MB" (1 GB = 1024³ bytes); use null for unlimited',
    extras: {
      errors: [
        { field: 'name', message: 'name must be longer than or equal to 1 characters' },
        {
          field: 'trafficLimit',
          message:
            'trafficLimit must be a positive number of bytes or a string such as "5GB" or "500MB" (1 GB = 1024³ bytes); use null for unlimited',
        },
      ],
    },
  },
  UNAUTHENTICATED: {
    when: 'no API key, or an unknown or revoked one (`WWW-Authenticate` says which)',
    detail: 'Send an API key as "Authorization: Bearer <key>"',
  },
  FORBIDDEN: {
    when: 'the API key lacks a scope the operation needs',
    detail: "This API key lacks the scope 'sub-users:write'",
    extras: { requiredScope: 'sub-users:write' },
  },
  NOT_FOUND: {
    when: 'no such id, or the id belongs to another tenant',
    detail: 'No sub-user 0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b',
  },
  CONFLICT: {
    when: 'the resource is in a state that forbids the call (may carry `Retry-After`)',
    detail:
      'Another change to sub-user 0b9d7f7e-2c1e-4a57-8d0b-6a2d3e4f5a6b is in progress; retry when it has finished',
  },
  PRECONDITION_FAILED: {
    when: '`If-Match` does not name the current `ETag`',
    detail: 'If-Match "v3" does not match the current ETag "v4"',
  },
  IDEMPOTENCY_CONFLICT: {
    when: 'the `Idempotency-Key` was already used with a different body',
    detail: 'This Idempotency-Key was already used with a different request body',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    when: 'a request with the same `Idempotency-Key` is still running',
    detail: 'A request with this Idempotency-Key is still running; retry later',
  },
  UNSUPPORTED_BY_PROVIDER: {
    when: 'the provider has no such field or operation (every unsupported field at once, in `errors`)',
    detail: "'maxConcurrency', 'countries' are not supported by provider 'proxyhat'",
    extras: {
      errors: [
        {
          field: 'maxConcurrency',
          message: 'ProxyHat has no such field: ProxyHat has no concurrency limit per sub-user',
        },
        {
          field: 'countries',
          message: 'ProxyHat has no such field: ProxyHat picks countries per connection (username flags)',
        },
      ],
      provider: 'proxyhat',
      operationOrField: 'maxConcurrency',
    },
  },
  QUOTA_EXCEEDED: {
    when: "the change would exceed the tenant's budget (sub-users or traffic)",
    detail: "The tenant's budget allows 100 sub-users and it has 100",
    extras: { budget: 'maxSubUsers', limit: 100, current: 100 },
  },
  RATE_LIMITED: {
    when: 'the API key sent more requests this minute than `RATE_LIMIT_PER_MINUTE` (`Retry-After` says when to retry)',
    detail: 'This API key sent more than 6000 requests this minute',
    extras: { limitPerMinute: 6000 },
  },
  PROVIDER_REJECTED: {
    when: 'the provider refused the content (its field errors mapped to ours)',
    detail: 'ProxyHat: The name has already been taken.',
    extras: {
      errors: [{ field: 'name', message: 'The name has already been taken.' }],
      provider: 'proxyhat',
      providerStatus: 422,
    },
  },
  PROVIDER_NOT_FOUND: {
    when: 'the gateway knows the sub-user but the provider no longer has it',
    detail: 'Webshare: Not found.',
    extras: { provider: 'webshare', providerStatus: 404 },
  },
  PROVIDER_AUTH_FAILED: {
    when: "the provider refused the gateway's API key for that provider account",
    detail: "ProxyHat: the gateway's credentials for this ProxyHat account were refused",
    extras: { provider: 'proxyhat', providerStatus: 401 },
  },
  PROVIDER_RATE_LIMITED: {
    when: 'the provider kept answering 429 after the allowed retries (`Retry-After` when it said)',
    detail: 'Webshare: too many requests',
    extras: { provider: 'webshare', providerStatus: 429 },
  },
  PROVIDER_UNAVAILABLE: {
    when: 'the provider answered 5xx after retries, refused the connection, or its circuit is open',
    detail: 'IPRoyal: Service Unavailable',
    extras: { provider: 'iproyal', providerStatus: 503 },
  },
  PROVIDER_TIMEOUT: {
    when: 'the provider did not answer in time (a create may or may not have happened: retry with the same Idempotency-Key)',
    detail: 'ProxyHat did not answer create in time',
    extras: { provider: 'proxyhat' },
  },
  INTERNAL: {
    when: 'a bug: the `errorId` is also in the log line',
    detail: 'Unexpected error; quote error id err_3f9c1a0b2d4e when reporting it',
    extras: { errorId: 'err_3f9c1a0b2d4e' },
  },
  PAYLOAD_TOO_LARGE: {
    when: 'the body is larger than `BODY_LIMIT_BYTES`',
    detail: 'Request body is larger than the gateway accepts (BODY_LIMIT_BYTES)',
  },
  REQUEST_TIMEOUT: {
    when: 'the headers or the whole request did not arrive in time (the connection is closed)',
    detail:
      'The request was not received in time (HEADERS_TIMEOUT_MS for the headers, REQUEST_TIMEOUT_MS for all of it)',
  },
  HEADERS_TOO_LARGE: {
    when: 'the request headers exceed 16 KB (the connection is closed)',
    detail: 'The request headers are larger than the gateway accepts',
  },
  DATABASE_UNAVAILABLE: {
    when: 'the database cannot be reached right now (`Retry-After` says when to retry)',
    detail: 'The database cannot be reached right now; retry after the time in Retry-After',
  },
};

/** The codes a status stands for when an operation names only the status. */
const CODES_OF_STATUS: Record<number, ProblemCode[]> = {
  400: ['MALFORMED_REQUEST'],
  401: ['UNAUTHENTICATED'],
  403: ['FORBIDDEN'],
  404: ['NOT_FOUND'],
  409: ['CONFLICT'],
  412: ['PRECONDITION_FAILED'],
  413: ['PAYLOAD_TOO_LARGE'],
  422: ['VALIDATION_FAILED'],
  429: ['RATE_LIMITED'],
  500: ['INTERNAL'],
  502: ['PROVIDER_AUTH_FAILED'],
  503: ['PROVIDER_UNAVAILABLE', 'PROVIDER_RATE_LIMITED'],
  504: ['PROVIDER_TIMEOUT'],
};

/** The codes a status stands for (an unknown status: every code of that status in the catalog). */
export function codesOfStatus(status: number): ProblemCode[] {
  return (
    CODES_OF_STATUS[status] ??
    (Object.keys(PROBLEM_CATALOG) as ProblemCode[]).filter((code) => PROBLEM_CATALOG[code].status === status)
  );
}

/** What a provider call can answer besides the operation's own codes. */
export const UPSTREAM_PROBLEMS: readonly ProblemCode[] = [
  'PROVIDER_REJECTED',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_TIMEOUT',
];

/** The example body of a code, exactly as the gateway renders it. */
export function problemExample(code: ProblemCode): ProblemDetails {
  const doc = PROBLEM_DOCS[code];
  return buildProblem(code, doc?.detail ?? PROBLEM_CATALOG[code].title, REQUEST_ID, doc?.extras ?? {});
}

export function problemWhen(code: ProblemCode): string {
  return PROBLEM_DOCS[code]?.when ?? PROBLEM_CATALOG[code].title;
}

export type ProblemSpec = ProblemCode | number;

function toCodes(specs: readonly ProblemSpec[]): ProblemCode[] {
  return specs.flatMap((spec) => (typeof spec === 'number' ? codesOfStatus(spec) : [spec]));
}

type Extensions = Record<string, unknown>;

function addCodes(target: object, codes: ProblemCode[]): void {
  const extensions = (Reflect.getMetadata(API_EXTENSION_METADATA, target) ?? {}) as Extensions;
  const known = (extensions[PROBLEM_CODES_EXTENSION] as ProblemCode[] | undefined) ?? [];
  Reflect.defineMetadata(
    API_EXTENSION_METADATA,
    { ...extensions, [PROBLEM_CODES_EXTENSION]: [...new Set([...known, ...codes])] },
    target,
  );
}

/**
 * Documents the problem answers an operation (or every operation of a controller) can give:
 * problem codes, or statuses standing for their usual codes (503: PROVIDER_UNAVAILABLE and
 * PROVIDER_RATE_LIMITED). Several uses add up. The codes every operation of its kind answers are
 * added by the document builder: list only what this operation adds.
 */
export function ApiProblemResponses(...specs: ProblemSpec[]): MethodDecorator & ClassDecorator {
  const codes = toCodes(specs);
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      addCodes(descriptor.value as object, codes);
      return descriptor;
    }
    // A controller: every route method of it.
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as object | undefined;
      if (name !== 'constructor' && method && Reflect.hasMetadata(METHOD_METADATA, method)) {
        addCodes(method, codes);
      }
    }
    return target;
  }) as MethodDecorator & ClassDecorator;
}

/** The same decorator under the name that says what it takes. */
export const ApiProblems = ApiProblemResponses;

export { ProblemDetails };
