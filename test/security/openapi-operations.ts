import request from 'supertest';
import { RunningGateway } from '../support/gateway';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface OperationInfo {
  method: Method;
  /** The OpenAPI path, e.g. /v1/sub-users/{id}. */
  path: string;
  parameters: { name: string; in: string; schema?: Record<string, unknown> }[];
  requestSchemaRef?: string;
  security: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Partial<Record<Method, Record<string, any>>>>;
  components: { schemas: Record<string, Record<string, any>> };
}

/** The published document: new endpoints are covered by every test that walks it. */
export async function openApi(gateway: RunningGateway): Promise<OpenApiDocument> {
  return (await request(gateway.url).get('/docs-json').expect(200)).body as OpenApiDocument;
}

export function operationsOf(document: OpenApiDocument): OperationInfo[] {
  const operations: OperationInfo[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined;
      operations.push({
        method,
        path,
        parameters: operation.parameters ?? [],
        requestSchemaRef: ref?.split('/').pop(),
        security: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

/** Paths that answer without a key. */
export function isPublic(path: string): boolean {
  return path.startsWith('/health/') || path.startsWith('/docs') || path === '/metrics';
}

/** Fills `{param}` placeholders. */
export function fillPath(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, encodeURIComponent(value));
}

export function send(
  gateway: RunningGateway,
  method: Method,
  path: string,
  headers: Record<string, string> = {},
): request.Test {
  const agent = request(gateway.url);
  const test =
    method === 'get'
      ? agent.get(path)
      : method === 'post'
        ? agent.post(path)
        : method === 'put'
          ? agent.put(path)
          : method === 'patch'
            ? agent.patch(path)
            : agent.delete(path);
  for (const [name, value] of Object.entries(headers)) void test.set(name, value);
  return test;
}
