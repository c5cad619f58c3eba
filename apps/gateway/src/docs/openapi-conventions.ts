import { applyDecorators } from '@nestjs/common';
import { ApiParam, OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CATALOG, PROBLEM_CONTENT_TYPE, ProblemCode } from '../common/problem/problem-details';
import {
  PROBLEM_CODES_EXTENSION,
  PROBLEM_DOCS,
  codesOfStatus,
  problemExample,
  problemWhen,
} from '../common/problem/problem-responses';

/**
 * The conventions every operation of the document follows, applied once to the document Nest
 * built from the decorators, so a new endpoint follows them without repeating them:
 *
 * - error answers: each status once, `application/problem+json` with the ProblemDetails schema and
 *   one named example per code that status can carry (docs: common/problem/problem-responses.ts);
 *   the codes come from the operation's `@ApiProblemResponses(...)` plus what every operation of
 *   its kind answers (below);
 * - response headers: `X-Request-Id` on every answer, `RateLimit-*` on the answers of
 *   authenticated routes, `Retry-After`, `WWW-Authenticate`, `Idempotent-Replayed` where they are
 *   sent (`ETag` is declared by the operations that send it);
 * - public operations say so (`security: []`), the document names its server and licence.
 */

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { summary?: string; description?: string; value: unknown }>;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Parameter {
  name: string;
  in: string;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
  [extension: string]: unknown;
}

interface HeaderObject {
  description: string;
  required?: boolean;
  schema: { type: string; example?: unknown; enum?: string[] };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Headers the gateway sends, described once and referenced from each response. */
export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description:
      'The request id: the caller’s own X-Request-Id when it is short and plain (1–128 of `A-Za-z0-9._:-`), otherwise a generated UUID. Also `requestId` in problem bodies and in every log line of the request.',
    required: true,
    schema: { type: 'string', example: '4f1c2b9e-7d3a-4e8b-a6c5-0b9d8e7f6a51' },
  },
  'RateLimit-Limit': {
    description:
      'Requests this API key may send per minute (RATE_LIMIT_PER_MINUTE); absent when it is 0 (off)',
    schema: { type: 'integer', example: 6000 },
  },
  'RateLimit-Remaining': {
    description: 'Requests this API key has left in the current window',
    schema: { type: 'integer', example: 5987 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the current window ends',
    schema: { type: 'integer', example: 42 },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', example: 42 },
  },
  'Retry-After-When-Known': {
    description:
      'Seconds to wait before retrying, when known (always with DATABASE_UNAVAILABLE; with PROVIDER_RATE_LIMITED when the provider said; with a CONFLICT that will clear by itself)',
    schema: { type: 'integer', example: 5 },
  },
  'WWW-Authenticate': {
    description:
      'The bearer challenge; `error="invalid_token"` when a key was sent but is unknown or revoked',
    required: true,
    schema: { type: 'string', example: 'Bearer realm="subuser-gateway", error="invalid_token"' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored answer of an earlier request with the same Idempotency-Key (and body)',
    schema: { type: 'string', enum: ['true'] },
  },
  ETag: {
    description: 'The version of the sub-user; send it back as If-Match to change it only if unchanged',
    required: true,
    schema: { type: 'string', example: '"v4"' },
  },
  'Content-Disposition': {
    description: 'On CSV exports (`Accept: text/csv`): `attachment; filename="<name>.csv"`',
    schema: { type: 'string', example: 'attachment; filename="usage.csv"' },
  },
  'ETag-Unless-Replayed': {
    description:
      'The version of the sub-user (send it back as If-Match); absent from an answer replayed for an Idempotency-Key (GET the sub-user for its current ETag)',
    schema: { type: 'string', example: '"v2"' },
  },
} satisfies Record<string, HeaderObject>;

/** `headers` of a response that carries the sub-user's ETag (pointed at RESPONSE_HEADERS.ETag). */
export const ETAG_HEADER = { ETag: RESPONSE_HEADERS.ETag };

/** `headers` of an answer that can be a CSV download. */
export const CSV_DOWNLOAD_HEADER = { 'Content-Disposition': RESPONSE_HEADERS['Content-Disposition'] };

/** The If-Match request header of PATCH and DELETE. */
export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description:
    'The ETag of a previous answer (e.g. `"v4"`): the change is made only if it is still current, else 412',
  schema: { type: 'string' },
};

/** The `{id}` of the sub-user routes. */
export function ApiSubUserId() {
  return applyDecorators(
    ApiParam({
      name: 'id',
      type: String,
      format: 'uuid',
      description:
        'The gateway id of the sub-user (`id` in its answers); an unknown id or another tenant’s is 404',
    }),
  );
}

const headerRef = (name: keyof typeof RESPONSE_HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** Problem codes every operation of a kind can answer. */
function conventionalCodes(operation: Operation, secured: boolean): ProblemCode[] {
  const codes: ProblemCode[] = ['INTERNAL'];
  if (secured) codes.push('UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'DATABASE_UNAVAILABLE');
  if (operation.requestBody) codes.push('MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED');
  if ((operation.parameters ?? []).some((parameter) => parameter.in === 'query')) {
    codes.push('VALIDATION_FAILED');
  }
  if (isIdempotent(operation)) {
    codes.push('IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_IN_PROGRESS', 'VALIDATION_FAILED');
  }
  return codes;
}

function isIdempotent(operation: Operation): boolean {
  return (operation.parameters ?? []).some(
    (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
  );
}

function isSecured(operation: Operation): boolean {
  return (
    Array.isArray(operation.security) &&
    operation.security.length > 0 &&
    operation.security.every((requirement) => Object.keys(requirement).length > 0)
  );
}

/** A problem+json response already in the document (its schema is ProblemDetails). */
function isProblemResponse(response: Response): boolean {
  const media = response.content?.[PROBLEM_CONTENT_TYPE] ?? response.content?.['application/json'];
  return media?.schema?.$ref === '#/components/schemas/ProblemDetails';
}

function problemResponse(codes: ProblemCode[]): Response {
  const lines = codes.map((code) => `- \`${code}\`: ${problemWhen(code)}`);
  return {
    description: lines.join('\n'),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: '#/components/schemas/ProblemDetails' },
        examples: Object.fromEntries(
          codes.map((code) => [code, { summary: PROBLEM_CATALOG[code].title, value: problemExample(code) }]),
        ),
      },
    },
  };
}

/** Orders codes as the catalog lists them, without repeats. */
function ordered(codes: Iterable<ProblemCode>): ProblemCode[] {
  const wanted = new Set(codes);
  return (Object.keys(PROBLEM_CATALOG) as ProblemCode[]).filter((code) => wanted.has(code));
}

function documentProblems(operation: Operation, secured: boolean): void {
  const named = (operation[PROBLEM_CODES_EXTENSION] as ProblemCode[] | undefined) ?? [];
  delete operation[PROBLEM_CODES_EXTENSION];
  const codes = new Set<ProblemCode>([...named, ...conventionalCodes(operation, secured)]);
  // Error responses declared with Nest's own decorators (ApiNotFoundResponse, ...) keep their
  // status: their usual codes are added unless the operation named codes of that status.
  for (const [status, response] of Object.entries(operation.responses)) {
    const numeric = Number(status);
    if (numeric < 400 || !isProblemResponse(response)) continue;
    if (![...codes].some((code) => PROBLEM_CATALOG[code].status === numeric)) {
      for (const code of codesOfStatus(numeric)) codes.add(code);
    }
  }
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of ordered(codes)) {
    const status = PROBLEM_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, statusCodes] of byStatus) {
    const existing = operation.responses[String(status)];
    // A response of its own (e.g. /health/ready's 503 health report) is left as it is.
    if (existing && !isProblemResponse(existing)) continue;
    operation.responses[String(status)] = problemResponse(statusCodes);
  }
}

function documentHeaders(operation: Operation, secured: boolean): void {
  const idempotent = isIdempotent(operation);
  for (const [status, response] of Object.entries(operation.responses)) {
    const numeric = Number(status);
    const headers: Record<string, unknown> = { 'X-Request-Id': headerRef('X-Request-Id') };
    // 401 is answered before the limiter runs.
    if (secured && numeric !== 401) {
      headers['RateLimit-Limit'] = headerRef('RateLimit-Limit');
      headers['RateLimit-Remaining'] = headerRef('RateLimit-Remaining');
      headers['RateLimit-Reset'] = headerRef('RateLimit-Reset');
    }
    if (numeric === 429) headers['Retry-After'] = headerRef('Retry-After');
    if (numeric === 409 || numeric === 503) headers['Retry-After'] = headerRef('Retry-After-When-Known');
    if (numeric === 401) headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
    if (idempotent && numeric < 500) headers['Idempotent-Replayed'] = headerRef('Idempotent-Replayed');
    response.headers = { ...headers, ...normalizedOwnHeaders(response.headers, idempotent) };
  }
}

/**
 * Headers an operation declared itself (e.g. `ETag`), pointed at the shared descriptions. A
 * replayed idempotent answer is the stored status and body only: its ETag is optional.
 */
function normalizedOwnHeaders(
  headers: Record<string, unknown> | undefined,
  idempotent: boolean,
): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [name, header] of Object.entries(headers ?? {})) {
    const shared = name === 'ETag' && idempotent ? 'ETag-Unless-Replayed' : name;
    own[name] = shared in RESPONSE_HEADERS ? headerRef(shared as keyof typeof RESPONSE_HEADERS) : header;
  }
  return own;
}

/**
 * OpenAPI 3.0's `nullable` only widens a `type` of the same schema, so Nest's rendering of a
 * nullable object property (`{type: object, nullable: true, allOf: [{$ref}]}`) does not admit
 * null by the letter of 3.0.3 (validators refuse `null` examples). It becomes
 * `oneOf: [{$ref}, {the null value}]`, which every tool reads the same (generated clients: `X | null`).
 */
const NULL_ONLY = { type: 'object', nullable: true, enum: [null] };

function nullableRefsAsOneOf(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableRefsAsOneOf(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Schema;
  const allOf = schema.allOf as Schema[] | undefined;
  if (schema.nullable === true && Array.isArray(allOf) && allOf.length === 1 && allOf[0].$ref) {
    delete schema.nullable;
    delete schema.allOf;
    delete schema.type;
    schema.oneOf = [allOf[0], { ...NULL_ONLY }];
  }
  for (const [key, value] of Object.entries(schema)) {
    // Examples are values, not schemas.
    if (key !== 'example' && key !== 'examples') nullableRefsAsOneOf(value);
  }
}

/** Applies the conventions to the whole document (in place) and returns it. */
export function applyOpenApiConventions(document: OpenAPIObject): OpenAPIObject {
  nullableRefsAsOneOf(document.components?.schemas);
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const secured = isSecured(operation);
      // Public operations say so: no key is needed (an empty requirement list).
      if (!secured && operation.security === undefined) operation.security = [];
      documentProblems(operation, secured);
      documentHeaders(operation, secured);
      operation.responses = sortedResponses(operation.responses);
    }
  }
  const components = (document.components ??= {});
  components.headers = { ...(components.headers ?? {}), ...structuredClone(RESPONSE_HEADERS) };
  const problem = components.schemas?.ProblemDetails as Schema | undefined;
  // RFC 9457 allows extension members; the ones the gateway sends are listed in the schema.
  if (problem) problem.additionalProperties = true;
  return document;
}

function sortedResponses(responses: Record<string, Response>): Record<string, Response> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/** Every code that has documentation (a test checks that the catalog has none without). */
export function documentedProblemCodes(): ProblemCode[] {
  return Object.keys(PROBLEM_DOCS) as ProblemCode[];
}
