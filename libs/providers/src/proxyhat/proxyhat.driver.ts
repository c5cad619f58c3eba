import {
  type CreateSubUserInput,
  ProviderError,
  type ProviderSubUser,
  type SubUserEcho,
  type UpdateSubUserInput,
} from '@app/domain';
import type { DriverRuntime, ProviderAccountConfig, ProviderDriverFactory } from '../driver-runtime';
import type {
  BulkDeleteItemResult,
  CallOptions,
  DeleteResult,
  ProviderDriver,
  ProxyCredentials,
  SubUserGroup,
} from '../provider-driver';
import { ResilientHttpClient, type UpstreamRequest } from '../resilience/resilient-http-client';
import type { CircuitStateName } from '../resilience/resilience.types';
import { PROXYHAT_DESCRIPTION } from './proxyhat.capabilities';
import { unexpectedAnswer } from '../upstream-errors';
import { toProxyhatError } from './proxyhat.errors';
import {
  generateProxyPassword,
  toDomain,
  toExpectedEcho,
  toProviderCreate,
  toProviderUpdate,
} from './proxyhat.mapper';
import type {
  ProxyhatBulkDeletePayload,
  ProxyhatDeletePayload,
  ProxyhatEnvelope,
  ProxyhatGroup,
  ProxyhatResetUsagePayload,
  ProxyhatSubUser,
  ProxyhatSubUserWrite,
} from './proxyhat.types';

const GATEWAY_HOST = 'gate.proxyhat.com';
const GATEWAY_HTTP_PORT = 8080;

export class ProxyhatDriver implements ProviderDriver {
  readonly provider = 'proxyhat' as const;
  readonly capabilities = PROXYHAT_DESCRIPTION.capabilities;
  readonly accountId: string;
  private readonly client: ResilientHttpClient;

  constructor(account: ProviderAccountConfig, runtime: DriverRuntime) {
    this.accountId = account.id;
    this.client = new ResilientHttpClient({
      provider: 'proxyhat',
      accountId: account.id,
      baseUrl: account.baseUrl,
      defaultHeaders: { Authorization: `Bearer ${account.apiKey}` },
      options: runtime.options,
      limiter: runtime.limiter,
      translateError: toProxyhatError,
    });
  }

  /** The group list is small, unlike the unpaginated sub-user list. */
  async checkCredentials(options?: CallOptions): Promise<void> {
    await this.listGroups(options);
  }

  async list(options?: CallOptions): Promise<ProviderSubUser[]> {
    return (await this.listRaw('list', options)).map(toDomain);
  }

  /** ProxyHat's list is one unpaginated answer: one page. */
  async *listPages(options?: CallOptions): AsyncIterable<ProviderSubUser[]> {
    yield (await this.listRaw('list', options)).map(toDomain);
  }

  async get(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser> {
    return toDomain(await this.getRaw(providerSubUserId, 'get', options));
  }

  /** ProxyHat requires a proxy password: one is generated when the input has none (read it with getCredentials). */
  async create(input: CreateSubUserInput, options?: CallOptions): Promise<ProviderSubUser> {
    const data = toProviderCreate(
      input,
      input.proxyPassword === undefined ? generateProxyPassword() : undefined,
    );
    const raw = await this.call<ProxyhatSubUser>({
      operation: 'create',
      method: 'POST',
      path: '/sub-users',
      data,
      secrets: secretsOf(data),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  expectedEcho(input: CreateSubUserInput): SubUserEcho {
    return toExpectedEcho(input);
  }

  async update(
    providerSubUserId: string,
    input: UpdateSubUserInput,
    options?: CallOptions,
  ): Promise<ProviderSubUser> {
    const data = toProviderUpdate(input);
    if (Object.keys(data).length === 0) return this.get(providerSubUserId, options);
    const raw = await this.call<ProxyhatSubUser>({
      operation: 'update',
      method: 'PUT',
      path: this.subUserPath(providerSubUserId),
      data,
      secrets: secretsOf(data),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  /** Asynchronous at ProxyHat: answers `deleting`. */
  async delete(providerSubUserId: string, options?: CallOptions): Promise<DeleteResult> {
    const payload = await this.call<ProxyhatDeletePayload | null>({
      operation: 'delete',
      method: 'DELETE',
      path: this.subUserPath(providerSubUserId),
      successStatusesOnRetry: [404],
      priority: options?.priority,
    });
    // No payload: a resent delete found it gone, so the lost first attempt finished the job.
    if (payload === null || payload === undefined) return { status: 'deleted' };
    return { status: payload.status?.toLowerCase() === 'deleted' ? 'deleted' : 'deleting' };
  }

  /**
   * Native bulk delete, which only answers counts. Each id's outcome comes from two list reads
   * (before: which ids exist; after: which are gone or deleting): three calls whatever the count,
   * where a get per id would eat ProxyHat's 60 calls a minute.
   */
  async bulkDelete(providerSubUserIds: string[], options?: CallOptions): Promise<BulkDeleteItemResult[]> {
    const ids = [...new Set(providerSubUserIds)];
    if (ids.length === 0) return [];
    const before = new Map((await this.listRaw('list', options)).map((raw) => [raw.uuid, toDomain(raw)]));
    const counts = await this.call<ProxyhatBulkDeletePayload>({
      operation: 'bulkDelete',
      method: 'POST',
      path: '/sub-users/bulk-delete',
      data: { ids },
      priority: options?.priority,
    });
    let after: Map<string, ProviderSubUser> | undefined;
    try {
      after = new Map((await this.listRaw('list', options)).map((raw) => [raw.uuid, toDomain(raw)]));
    } catch {
      after = undefined;
    }
    return ids.map((id): BulkDeleteItemResult => {
      const existing = before.get(id);
      if (!existing) return { id, outcome: 'not_found' };
      if (!after) {
        return counts.failed + counts.skipped === 0
          ? { id, outcome: 'deleting' }
          : {
              id,
              outcome: 'failed',
              error: {
                code: 'PROVIDER_UNAVAILABLE',
                message: 'ProxyHat: outcome unknown, read the sub-user again',
              },
            };
      }
      const current = after.get(id);
      if (!current || current.status === 'deleted') return { id, outcome: 'deleted' };
      if (current.status === 'deleting') return { id, outcome: 'deleting' };
      if (current.isDefault || counts.failed === 0) return { id, outcome: 'skipped' };
      return {
        id,
        outcome: 'failed',
        error: { code: 'PROVIDER_REJECTED', message: 'ProxyHat did not delete it' },
      };
    });
  }

  async getCredentials(providerSubUserId: string, options?: CallOptions): Promise<ProxyCredentials> {
    const raw = await this.getRaw(providerSubUserId, 'get', options);
    const password = raw.proxy_password ?? null;
    const auth =
      password === null
        ? encodeURIComponent(raw.proxy_username)
        : `${encodeURIComponent(raw.proxy_username)}:${encodeURIComponent(password)}`;
    return {
      username: raw.proxy_username,
      password,
      host: GATEWAY_HOST,
      ports: { http: GATEWAY_HTTP_PORT },
      proxyUrls: [`http://${auth}@${GATEWAY_HOST}:${GATEWAY_HTTP_PORT}`],
    };
  }

  async resetUsage(providerSubUserId: string, options?: CallOptions): Promise<void> {
    const payload = await this.call<ProxyhatResetUsagePayload>({
      operation: 'resetUsage',
      method: 'POST',
      path: '/sub-users/reset/usage',
      data: { ids: [providerSubUserId] },
      priority: options?.priority,
    });
    if (payload && typeof payload.reset === 'number' && payload.reset === 0) {
      throw new ProviderError('proxyhat', 'PROVIDER_NOT_FOUND', 'ProxyHat: no sub-user has this id');
    }
  }

  async setPassword(providerSubUserId: string, password: string, options?: CallOptions): Promise<void> {
    await this.update(providerSubUserId, { proxyPassword: password }, options);
  }

  async listGroups(options?: CallOptions): Promise<SubUserGroup[]> {
    const groups = await this.call<ProxyhatGroup[]>({
      operation: 'groups',
      method: 'GET',
      path: '/sub-user-groups',
      priority: options?.priority,
    });
    return (groups ?? []).map((group) => ({
      id: String(group.id),
      name: group.name,
      description: group.description ?? null,
      subUserCount: typeof group.sub_users_count === 'number' ? group.sub_users_count : null,
      createdAt: group.created_at ?? null,
    }));
  }

  circuitState(): CircuitStateName {
    return this.client.circuitState();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async listRaw(operation: string, options?: CallOptions): Promise<ProxyhatSubUser[]> {
    const answer = await this.call<ProxyhatSubUser[]>({
      operation,
      method: 'GET',
      path: '/sub-users',
      priority: options?.priority,
    });
    if (!Array.isArray(answer))
      throw unexpectedAnswer({ provider: 'proxyhat', displayName: PROXYHAT_DESCRIPTION.displayName }, 'list');
    return answer;
  }

  private getRaw(
    providerSubUserId: string,
    operation: string,
    options?: CallOptions,
  ): Promise<ProxyhatSubUser> {
    return this.call<ProxyhatSubUser>({
      operation,
      method: 'GET',
      path: this.subUserPath(providerSubUserId),
      priority: options?.priority,
    });
  }

  /** Sends the call and unwraps ProxyHat's `{success, payload}` envelope. */
  private async call<T>(request: UpstreamRequest): Promise<T> {
    const response = await this.client.request<ProxyhatEnvelope<T> | undefined>(request);
    const envelope = response.data;
    if (envelope && typeof envelope === 'object' && 'success' in envelope) {
      if (envelope.success === false) {
        throw new ProviderError(
          'proxyhat',
          'PROVIDER_REJECTED',
          `ProxyHat: ${envelope.description || 'request refused'}`,
          {
            providerStatus: response.status,
            ...(response.requestId ? { providerRequestId: response.requestId } : {}),
          },
        );
      }
      return envelope.payload;
    }
    // Not an envelope: take the body as the payload rather than fail on a format detail.
    return envelope as T;
  }

  private subUserPath(providerSubUserId: string): string {
    if (!providerSubUserId || providerSubUserId.length > 100) {
      throw new ProviderError('proxyhat', 'PROVIDER_NOT_FOUND', 'ProxyHat: no sub-user has this id');
    }
    return `/sub-users/${encodeURIComponent(providerSubUserId)}`;
  }
}

/** The password a call sends: kept out of any error it ends with. */
function secretsOf(data: ProxyhatSubUserWrite): string[] {
  return data.proxy_password ? [data.proxy_password] : [];
}

export const proxyhatDriverFactory: ProviderDriverFactory = {
  provider: 'proxyhat',
  description: PROXYHAT_DESCRIPTION,
  create: (account, runtime) => new ProxyhatDriver(account, runtime),
};
