// A typed client of the sub-user gateway: openapi-fetch over the types openapi-typescript
// generates from the committed openapi.json (src/schema.d.ts, `npm run client:generate`).
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

type Schemas = components['schemas'];
export type SubUser = Schemas['SubUserDto'];
export type CreatedSubUser = Schemas['CreatedSubUserDto'];
export type CreateSubUser = Schemas['CreateSubUserDto'];
export type UpdateSubUser = Schemas['UpdateSubUserDto'];
export type Credentials = Schemas['CredentialsDto'];
export type Job = Schemas['JobDto'];
export type AuditEvent = Schemas['AuditEventDto'];
export type Problem = Schemas['ProblemDetails'];

export type GatewayClient = Client<paths>;

export interface GatewayClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the gateway listens, e.g. `http://localhost:3000` (no trailing /v1). */
  baseUrl: string;
  /** A gateway API key (`sgw_…`), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
}

/**
 * A client whose paths, parameters, bodies and answers are typed from the API's document.
 * Each call resolves to `{ data, error, response }`: `data` on 2xx, `error` (a problem+json body)
 * otherwise. Query objects such as `metadata` are sent as `metadata[key]=value` (deepObject).
 */
export function createGatewayClient({
  baseUrl,
  apiKey,
  headers,
  ...options
}: GatewayClientOptions): GatewayClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(headers as Record<string, string> | undefined), Authorization: `Bearer ${apiKey}` },
  });
}
