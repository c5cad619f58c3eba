import { GatewayClient, createGatewayClient } from '../../clients/typescript/src';
import { RunningGateway } from '../support/gateway';
import { ContractRecorder } from './openapi-validator';

/**
 * The typed client (clients/typescript) with every answer checked against openapi.json: the
 * middleware hands each Response, with the path template openapi-fetch called, to the recorder.
 */
export function contractClient(
  gateway: RunningGateway,
  apiKey: string,
  recorder: ContractRecorder,
): GatewayClient {
  const client = createGatewayClient({ baseUrl: gateway.url, apiKey });
  client.use({
    async onResponse({ request, response, schemaPath }) {
      await recorder.checkFetch(request.method, schemaPath, response);
      return undefined;
    },
  });
  return client;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

/**
 * A request the typed client cannot send on purpose (a body that is not JSON, a wrong content
 * type, a header-only variant, a query in the dotted form), checked against the document too.
 */
export async function rawCall(
  gateway: RunningGateway,
  recorder: ContractRecorder,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: options.headers,
    body: options.body,
  });
  const template = recorder.validator.templateOf(method, path) ?? path.split('?')[0];
  await recorder.checkFetch(method, template, response);
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers, text, json };
}

/** Polls a job through the typed client until it has finished. */
export async function finishedJob(client: GatewayClient, id: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { data } = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    if (data && (data.status === 'succeeded' || data.status === 'failed')) return data;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish in 30 s (${data?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Asserts that no answer checked so far disagreed with the document, then starts afresh. */
export function expectNoViolations(recorder: ContractRecorder): void {
  const found = recorder.violations.splice(0);
  expect(found).toEqual([]);
}
