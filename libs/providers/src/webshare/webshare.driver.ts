import {
  type CreateSubUserInput,
  ProviderError,
  type ProviderSubUser,
  type SubUserEcho,
  type UpdateSubUserInput,
} from '@app/domain';
import { emulateBulkDelete } from '../bulk-delete';
import { mapWithConcurrency, prefetching } from '../concurrency';
import type { DriverRuntime, ProviderAccountConfig, ProviderDriverFactory } from '../driver-runtime';
import type {
  BulkDeleteItemResult,
  CallOptions,
  DeleteResult,
  ProviderDriver,
  ProxyCredentials,
} from '../provider-driver';
import { ResilientHttpClient, type UpstreamRequest } from '../resilience/resilient-http-client';
import type { CircuitStateName } from '../resilience/resilience.types';
import { WEBSHARE_DESCRIPTION } from './webshare.capabilities';
import { unexpectedAnswer } from '../upstream-errors';
import { toWebshareError } from './webshare.errors';
import { toDomain, toExpectedEcho, toProviderCreate, toProviderUpdate } from './webshare.mapper';
import type { WebsharePage, WebshareProxyConfig, WebshareSubUser } from './webshare.types';

const SUBUSER_PATH = '/api/v2/subuser/';
const PAGE_SIZE = 100;
/** Pages fetched at once after the first: fast, yet polite to a 240/min limit. */
const PAGE_CONCURRENCY = 4;
/** Backbone (rotating) proxy endpoint of Webshare. */
const BACKBONE_HOST = 'p.webshare.io';
const BACKBONE_HTTP_PORT = 80;
const BACKBONE_SOCKS5_PORT = 1080;

export class WebshareDriver implements ProviderDriver {
  readonly provider = 'webshare' as const;
  readonly capabilities = WEBSHARE_DESCRIPTION.capabilities;
  readonly accountId: string;
  private readonly client: ResilientHttpClient;
  private readonly planParams: Record<string, string>;

  constructor(account: ProviderAccountConfig, runtime: DriverRuntime) {
    this.accountId = account.id;
    this.planParams = account.planId ? { plan_id: String(account.planId) } : {};
    this.client = new ResilientHttpClient({
      provider: 'webshare',
      accountId: account.id,
      baseUrl: account.baseUrl,
      defaultHeaders: { Authorization: `Token ${account.apiKey}` },
      options: runtime.options,
      limiter: runtime.limiter,
      translateError: toWebshareError,
    });
  }

  async checkCredentials(options?: CallOptions): Promise<void> {
    await this.fetchPage(1, 1, 'checkCredentials', options);
  }

  async list(options?: CallOptions): Promise<ProviderSubUser[]> {
    const first = await this.fetchPage(1, PAGE_SIZE, 'list', options);
    const pageCount = Math.ceil(first.count / PAGE_SIZE);
    const remaining = Array.from({ length: Math.max(0, pageCount - 1) }, (_, index) => index + 2);
    const pages = await mapWithConcurrency(remaining, PAGE_CONCURRENCY, async (page) => {
      try {
        return (await this.fetchPage(page, PAGE_SIZE, 'list', options)).results;
      } catch (error) {
        // DRF answers 404 "Invalid page." when deletions shrank the list meanwhile: nothing left there.
        if (error instanceof ProviderError && error.code === 'PROVIDER_NOT_FOUND') return [];
        throw error;
      }
    });
    // Sub-users created or deleted between page reads can shift one across a page border.
    const byId = new Map<number, WebshareSubUser>();
    for (const raw of [first.results, ...pages].flat()) byId.set(raw.id, raw);
    return [...byId.values()].map(toDomain);
  }

  async *listPages(options?: CallOptions): AsyncIterable<ProviderSubUser[]> {
    const first = await this.fetchPage(1, PAGE_SIZE, 'list', options);
    const pageCount = Math.ceil(first.count / PAGE_SIZE);
    const remaining = Array.from({ length: Math.max(0, pageCount - 1) }, (_, index) => index + 2);
    // The other pages are on their way while the caller works on the first.
    const rest = prefetching(remaining, PAGE_CONCURRENCY, async (page) => {
      try {
        return (await this.fetchPage(page, PAGE_SIZE, 'list', options)).results;
      } catch (error) {
        if (error instanceof ProviderError && error.code === 'PROVIDER_NOT_FOUND') return [];
        throw error;
      }
    });
    yield first.results.map(toDomain);
    for await (const page of rest) yield page.map(toDomain);
  }

  async get(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser> {
    const raw = await this.call<WebshareSubUser>({
      operation: 'get',
      method: 'GET',
      path: this.subUserPath(providerSubUserId),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  async create(input: CreateSubUserInput, options?: CallOptions): Promise<ProviderSubUser> {
    const raw = await this.call<WebshareSubUser>({
      operation: 'create',
      method: 'POST',
      path: SUBUSER_PATH,
      data: toProviderCreate(input),
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
    const path = this.subUserPath(providerSubUserId);
    // Nothing Webshare holds changes (e.g. only notes, which the gateway keeps): read instead of writing.
    if (Object.keys(data).length === 0) return this.get(providerSubUserId, options);
    const raw = await this.call<WebshareSubUser>({
      operation: 'update',
      method: 'PATCH',
      path,
      data,
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  async delete(providerSubUserId: string, options?: CallOptions): Promise<DeleteResult> {
    await this.call<unknown>({
      operation: 'delete',
      method: 'DELETE',
      path: this.subUserPath(providerSubUserId),
      successStatusesOnRetry: [404],
      priority: options?.priority,
    });
    return { status: 'deleted' };
  }

  /** Emulated: Webshare has no bulk delete. */
  bulkDelete(providerSubUserIds: string[], options?: CallOptions): Promise<BulkDeleteItemResult[]> {
    return emulateBulkDelete(providerSubUserIds, (id) => this.delete(id, options));
  }

  /** Only allowed by Webshare when the sub-user has a custom proxy list (countries set). */
  async refreshProxyList(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser> {
    const raw = await this.call<WebshareSubUser>({
      operation: 'refresh',
      method: 'POST',
      path: `${this.subUserPath(providerSubUserId)}refresh/`,
      // An empty JSON body: without one DRF refuses the call (415).
      data: {},
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  /** Acting as the sub-user (`X-Subuser`), its proxy config holds its proxy username and password. */
  async getCredentials(providerSubUserId: string, options?: CallOptions): Promise<ProxyCredentials> {
    const id = this.checkedId(providerSubUserId);
    const config = await this.call<WebshareProxyConfig>({
      operation: 'proxyConfig',
      method: 'GET',
      path: '/api/v2/proxy/config/',
      headers: { 'X-Subuser': id },
      priority: options?.priority,
    });
    const username = encodeURIComponent(config.username);
    const password = encodeURIComponent(config.password);
    return {
      username: config.username,
      password: config.password,
      host: BACKBONE_HOST,
      ports: { http: BACKBONE_HTTP_PORT, socks5: BACKBONE_SOCKS5_PORT },
      proxyUrls: [
        `http://${username}:${password}@${BACKBONE_HOST}:${BACKBONE_HTTP_PORT}`,
        `socks5://${username}:${password}@${BACKBONE_HOST}:${BACKBONE_SOCKS5_PORT}`,
      ],
    };
  }

  circuitState(): CircuitStateName {
    return this.client.circuitState();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async fetchPage(
    page: number,
    pageSize: number,
    operation: string,
    options?: CallOptions,
  ): Promise<WebsharePage<WebshareSubUser>> {
    const answer = await this.call<WebsharePage<WebshareSubUser>>({
      operation,
      method: 'GET',
      path: SUBUSER_PATH,
      params: { page, page_size: pageSize },
      priority: options?.priority,
    });
    if (!Array.isArray(answer?.results) || typeof answer.count !== 'number')
      throw unexpectedAnswer({ provider: 'webshare', displayName: WEBSHARE_DESCRIPTION.displayName }, 'page');
    return answer;
  }

  private async call<T>(request: UpstreamRequest): Promise<T> {
    const response = await this.client.request<T>({
      ...request,
      params: { ...this.planParams, ...request.params },
    });
    return response.data;
  }

  private subUserPath(providerSubUserId: string): string {
    return `${SUBUSER_PATH}${this.checkedId(providerSubUserId)}/`;
  }

  /** Webshare ids are integers: anything else cannot exist there. */
  private checkedId(providerSubUserId: string): string {
    if (!/^\d{1,18}$/.test(providerSubUserId)) {
      throw new ProviderError('webshare', 'PROVIDER_NOT_FOUND', 'Webshare: no sub-user has this id');
    }
    return providerSubUserId;
  }
}

export const webshareDriverFactory: ProviderDriverFactory = {
  provider: 'webshare',
  description: WEBSHARE_DESCRIPTION,
  create: (account, runtime) => new WebshareDriver(account, runtime),
};
