import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks answers of the gateway against the committed OpenAPI document (openapi.json), as a
 * validating proxy would: the operation and its status are documented, the content type is one
 * the response lists and the body matches its schema, every header the response requires is
 * there and every header sent is documented. The schemas are read as closed: a member the
 * document does not list (`additionalProperties` unset) is a violation, so an answer cannot carry
 * fields the document keeps quiet about. Built on Ajv (already in node_modules for
 * @apidevtools/swagger-parser); OpenAPI 3.0's `nullable` is turned into JSON Schema's null type.
 */

export const ROOT = join(__dirname, '..', '..');
export const COMMITTED_DOCUMENT_PATH = join(ROOT, 'openapi.json');

export type JsonObject = Record<string, any>;

export function committedDocument(): JsonObject {
  return JSON.parse(readFileSync(COMMITTED_DOCUMENT_PATH, 'utf8')) as JsonObject;
}

/**
 * Headers every answer may carry without the document naming them: HTTP's own (framing, caching,
 * dates) and the security headers helmet adds to every answer (described once in the API's
 * description); they say nothing about the operation.
 */
export const TRANSPORT_HEADERS = new Set([
  'connection',
  'content-length',
  'content-type',
  'date',
  'keep-alive',
  'transfer-encoding',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]);

export interface ObservedAnswer {
  method: string;
  /** The document's path template, e.g. /v1/sub-users/{id}. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text ('' when none). */
  body: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** OpenAPI 3.0 schema → JSON Schema (draft 7) for Ajv, closed where the document does not say. */
function toJsonSchema(schema: unknown, close: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, close));
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as JsonObject;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'xml') continue;
    if (key === '$ref' && typeof value === 'string') {
      result.$ref = `openapi.json${value}`;
      continue;
    }
    if (key === 'properties' || key === 'patternProperties') {
      result[key] = Object.fromEntries(
        Object.entries(value as JsonObject).map(([name, item]) => [name, toJsonSchema(item, close)]),
      );
      continue;
    }
    result[key] =
      key === 'enum' || key === 'required' || key === 'default' ? value : toJsonSchema(value, close);
  }
  if (close && source.properties && source.additionalProperties === undefined) {
    result.additionalProperties = false;
  }
  if (source.nullable === true) {
    if (typeof result.type === 'string' && !result.allOf && !result.oneOf && !result.anyOf && !result.$ref) {
      result.type = [result.type, 'null'];
      if (Array.isArray(result.enum) && !result.enum.includes(null)) result.enum = [...result.enum, null];
      return result;
    }
    return { anyOf: [{ type: 'null' }, result] };
  }
  return result;
}

export class ContractValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: JsonObject = committedDocument()) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // Number formats of OpenAPI that JSON Schema's format vocabulary lacks.
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
    });
    this.ajv.addSchema(
      { components: { schemas: toJsonSchema(document.components?.schemas ?? {}, true) } },
      'openapi.json',
    );
  }

  /** The violations of one schema (a $ref or inline schema of the document), as readable lines. */
  schemaViolations(schema: unknown, value: unknown, label: string): string[] {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema, true) as object);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${label}: ${error.instancePath || '(body)'} ${error.message}${error.params && Object.keys(error.params).length ? ' ' + JSON.stringify(error.params) : ''}`,
    );
  }

  operation(method: string, path: string): JsonObject | undefined {
    return this.document.paths?.[path]?.[method.toLowerCase()] as JsonObject | undefined;
  }

  /** The path template of a concrete path (e.g. /v1/sub-users/0b9d… → /v1/sub-users/{id}). */
  templateOf(method: string, concretePath: string): string | undefined {
    const path = concretePath.split('?')[0];
    const candidates = Object.keys(this.document.paths ?? {}).filter((template) => {
      if (!this.document.paths[template][method.toLowerCase()]) return false;
      const pattern = new RegExp(
        '^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$',
      );
      return pattern.test(path);
    });
    // A literal segment wins over a parameter (/v1/sub-users/bulk-delete over /v1/sub-users/{id}).
    return candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
  }

  /** Every way one answer disagrees with the document ([] when it agrees). */
  violations(answer: ObservedAnswer): string[] {
    const label = `${answer.method.toUpperCase()} ${answer.path} → ${answer.status}`;
    const operation = this.operation(answer.method, answer.path);
    if (!operation) return [`${label}: the operation is not in the document`];
    const responses = (operation.responses ?? {}) as Record<string, JsonObject>;
    const response =
      responses[String(answer.status)] ?? responses[`${String(answer.status)[0]}XX`] ?? responses.default;
    if (!response) {
      return [`${label}: status not documented (documented: ${Object.keys(responses).join(', ')})`];
    }
    const found: string[] = [];
    // Headers: required ones present, every one sent documented.
    const documented = new Map<string, JsonObject>(
      Object.entries((response.headers ?? {}) as Record<string, JsonObject>).map(([name, header]) => [
        name.toLowerCase(),
        this.resolve(header),
      ]),
    );
    for (const [name, header] of documented) {
      if (header.required && answer.headers[name] === undefined)
        found.push(`${label}: header ${name} missing`);
    }
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || TRANSPORT_HEADERS.has(name)) continue;
      const header = documented.get(name);
      if (!header) {
        found.push(`${label}: header ${name} not documented`);
        continue;
      }
      if (header.schema) {
        const parsed =
          header.schema.type === 'integer' || header.schema.type === 'number' ? Number(value) : value;
        found.push(...this.schemaViolations(header.schema, parsed, `${label} header ${name}`));
      }
    }
    // Body.
    const content = (response.content ?? {}) as Record<string, JsonObject>;
    if (answer.body === '') {
      if (Object.keys(content).length > 0 && answer.method.toUpperCase() !== 'HEAD') {
        found.push(`${label}: empty body, the document promises ${Object.keys(content).join(', ')}`);
      }
      return found;
    }
    const contentType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const media = content[contentType];
    if (!media) {
      found.push(
        `${label}: content type ${contentType || '(none)'} not documented (${Object.keys(content).join(', ') || 'no body'})`,
      );
      return found;
    }
    if (media.schema && /^application\/(.+\+)?json$/.test(contentType)) {
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        return [...found, `${label}: body is not JSON`];
      }
      found.push(...this.schemaViolations(media.schema, body, label));
    }
    return found;
  }

  private resolve(item: JsonObject): JsonObject {
    let current = item;
    for (let depth = 0; current?.$ref && depth < 10; depth += 1) {
      const pointer = (current.$ref as string).replace(/^#\//, '').split('/');
      current = pointer.reduce<any>(
        (node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
        this.document,
      );
    }
    return current;
  }

  /** Every operation of the document as `METHOD path`. */
  operations(): string[] {
    return Object.entries(this.document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((method) => (item as JsonObject)[method]).map(
        (method) => `${method.toUpperCase()} ${path}`,
      ),
    );
  }

  /** Every documented `METHOD path status`. */
  documentedAnswers(): string[] {
    return Object.entries(this.document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((method) => (item as JsonObject)[method]).flatMap((method) =>
        Object.keys((item as JsonObject)[method].responses ?? {}).map(
          (status) => `${method.toUpperCase()} ${path} ${status}`,
        ),
      ),
    );
  }
}

/**
 * Records every answer checked in a test file: the violations, and which documented answers
 * (operation + status) were seen, for the coverage report.
 */
export class ContractRecorder {
  readonly violations: string[] = [];
  readonly seen = new Set<string>();
  checked = 0;

  constructor(readonly validator: ContractValidator) {}

  check(answer: ObservedAnswer): string[] {
    const found = this.validator.violations(answer);
    this.checked += 1;
    this.seen.add(`${answer.method.toUpperCase()} ${answer.path} ${answer.status}`);
    this.violations.push(...found);
    return found;
  }

  /** Checks a Fetch API Response (it is cloned: the caller can still read it). */
  async checkFetch(method: string, path: string, response: Response): Promise<string[]> {
    const body = await response.clone().text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return this.check({ method, path, status: response.status, headers, body });
  }

  /** Checks a supertest response against the template of `concretePath`. */
  checkSupertest(
    method: string,
    concretePath: string,
    response: { status: number; headers: Record<string, string | string[] | undefined>; text?: string },
  ): string[] {
    const path = this.validator.templateOf(method, concretePath) ?? concretePath.split('?')[0];
    return this.check({
      method,
      path,
      status: response.status,
      headers: response.headers,
      body: response.text ?? '',
    });
  }
}
