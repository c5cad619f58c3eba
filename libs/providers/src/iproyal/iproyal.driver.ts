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
  AccountBalance,
  BulkDeleteItemResult,
  CallOptions,
  DeleteResult,
  ProviderDriver,
  ProxyCredentials,
} from '../provider-driver';
import { ResilientHttpClient, type UpstreamRequest } from '../resilience/resilient-http-client';
import type { CircuitStateName } from '../resilience/resilience.types';
import { IPROYAL_DESCRIPTION } from './iproyal.capabilities';
import { unexpectedAnswer } from '../upstream-errors';
import { toIproyalError } from './iproyal.errors';
import {
  balanceBytes,
  checkUpdate,
  generateCredentials,
  toDomain,
  toExpectedEcho,
  toProviderCreate,
  toProviderUpdate,
} from './iproyal.mapper';
import type { IproyalMe, IproyalPage, IproyalSubUser, IproyalSubUserWrite } from './iproyal.types';

const SUBUSER_PATH = '/residential-subusers';
/** Laravel paginators commonly cap per_page at 100 (the sandbox does). */
const PAGE_SIZE = 100;
/** Pages fetched at once after the first: quick, yet well inside 120 calls a minute. */
const PAGE_CONCURRENCY = 4;
/**
 * IPRoyal's residential gateway: `geo.iproyal.com` picks the nearest region, port 12321 speaks
 * HTTP (docs.iproyal.com → Residential → Proxy, and its Location page:
 * `http://username123:password321_region-europe@geo.iproyal.com:12321`). Targeting options go
 * after `_` in the password; the plain password gives a random residential IP.
 */
const GATEWAY_HOST = 'geo.iproyal.com';
const GATEWAY_HTTP_PORT = 12321;
/** IPRoyal's ids are 26-character ULID-like hashes (Crockford base32). */
const HASH_PATTERN = /^[0-9A-Za-z]{1,64}$/;

export class IproyalDriver implements ProviderDriver {
  readonly provider = 'iproyal' as const;
  readonly capabilities = IPROYAL_DESCRIPTION.capabilities;
  readonly accountId: string;
  private readonly client: ResilientHttpClient;

  constructor(account: ProviderAccountConfig, runtime: DriverRuntime) {
    this.accountId = account.id;
    this.client = new ResilientHttpClient({
      provider: 'iproyal',
      accountId: account.id,
      baseUrl: account.baseUrl,
      defaultHeaders: { Authorization: `Bearer ${account.apiKey}` },
      options: runtime.options,
      limiter: runtime.limiter,
      translateError: toIproyalError,
    });
  }

  /** `GET /me` is one small call and needs no sub-user. */
  async checkCredentials(options?: CallOptions): Promise<void> {
    await this.me('checkCredentials', options);
  }

  async getBalance(options?: CallOptions): Promise<AccountBalance> {
    return { availableBytes: balanceBytes(await this.me('me', options)) };
  }

  async list(options?: CallOptions): Promise<ProviderSubUser[]> {
    const first = await this.fetchPage(1, options);
    const remaining = Array.from({ length: Math.max(0, first.meta.last_page - 1) }, (_, index) => index + 2);
    // A page past the end (deletions meanwhile) is an empty `data`, not an error, in Laravel.
    const pages = await mapWithConcurrency(
      remaining,
      PAGE_CONCURRENCY,
      async (page) => (await this.fetchPage(page, options)).data,
    );
    // A sub-user created or deleted between page reads can shift one across a page border.
    const byHash = new Map<string, IproyalSubUser>();
    for (const raw of [first.data, ...pages].flat()) byHash.set(raw.hash, raw);
    return [...byHash.values()].map(toDomain);
  }

  async *listPages(options?: CallOptions): AsyncIterable<ProviderSubUser[]> {
    const first = await this.fetchPage(1, options);
    const remaining = Array.from({ length: Math.max(0, first.meta.last_page - 1) }, (_, index) => index + 2);
    const rest = prefetching(
      remaining,
      PAGE_CONCURRENCY,
      async (page) => (await this.fetchPage(page, options)).data,
    );
    yield first.data.map(toDomain);
    for await (const page of rest) yield page.map(toDomain);
  }

  async get(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser> {
    const raw = await this.call<IproyalSubUser>({
      operation: 'get',
      method: 'GET',
      path: this.subUserPath(providerSubUserId),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  /**
   * IPRoyal requires a username, a password and an allocation: the credentials the caller did
   * not choose are generated (read them from the answer's proxyUsername and revealedPassword, or
   * with getCredentials). Creating can fail for lack of balance (PROVIDER_REJECTED).
   */
  async create(input: CreateSubUserInput, options?: CallOptions): Promise<ProviderSubUser> {
    const data = toProviderCreate(input, generateCredentials());
    const raw = await this.call<IproyalSubUser>({
      operation: 'create',
      method: 'POST',
      path: SUBUSER_PATH,
      data,
      secrets: secretsOf(data),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  expectedEcho(input: CreateSubUserInput): SubUserEcho {
    return toExpectedEcho(input);
  }

  /**
   * PUT with only the fields given. A new allocation reads the sub-user first: IPRoyal's `traffic`
   * sets what is available, so available = allocation − used. Usage between the read and the PUT
   * leaves the allocation that much above the one asked for, never below it.
   */
  async update(
    providerSubUserId: string,
    input: UpdateSubUserInput,
    options?: CallOptions,
  ): Promise<ProviderSubUser> {
    checkUpdate(input);
    const path = this.subUserPath(providerSubUserId);
    let current: ProviderSubUser | undefined;
    if (input.trafficLimitBytes !== undefined) current = await this.get(providerSubUserId, options);
    const data = toProviderUpdate(input, current ? (current.traffic.usedBytes ?? 0) : undefined);
    // Nothing IPRoyal holds changes (e.g. only the name, which the gateway keeps): no write.
    if (Object.keys(data).length === 0) return current ?? this.get(providerSubUserId, options);
    const raw = await this.call<IproyalSubUser>({
      operation: 'update',
      method: 'PUT',
      path,
      data,
      secrets: secretsOf(data),
      priority: options?.priority,
    });
    return toDomain(raw);
  }

  /** Synchronous at IPRoyal; the sub-user's unused traffic returns to the account's balance. */
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

  /** Emulated: IPRoyal has no bulk delete. */
  bulkDelete(providerSubUserIds: string[], options?: CallOptions): Promise<BulkDeleteItemResult[]> {
    return emulateBulkDelete(providerSubUserIds, (id) => this.delete(id, options));
  }

  /** The sub-user object holds its proxy login in plain text. */
  async getCredentials(providerSubUserId: string, options?: CallOptions): Promise<ProxyCredentials> {
    const raw = await this.call<IproyalSubUser>({
      operation: 'get',
      method: 'GET',
      path: this.subUserPath(providerSubUserId),
      priority: options?.priority,
    });
    const auth = `${encodeURIComponent(raw.username)}:${encodeURIComponent(raw.password)}`;
    return {
      username: raw.username,
      password: raw.password,
      host: GATEWAY_HOST,
      ports: { http: GATEWAY_HTTP_PORT },
      proxyUrls: [`http://${auth}@${GATEWAY_HOST}:${GATEWAY_HTTP_PORT}`],
    };
  }

  async setPassword(providerSubUserId: string, password: string, options?: CallOptions): Promise<void> {
    await this.update(providerSubUserId, { proxyPassword: password }, options);
  }

  circuitState(): CircuitStateName {
    return this.client.circuitState();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private me(operation: string, options?: CallOptions): Promise<IproyalMe> {
    return this.call<IproyalMe>({ operation, method: 'GET', path: '/me', priority: options?.priority });
  }

  private async fetchPage(page: number, options?: CallOptions): Promise<IproyalPage<IproyalSubUser>> {
    const answer = await this.call<IproyalPage<IproyalSubUser>>({
      operation: 'list',
      method: 'GET',
      path: SUBUSER_PATH,
      params: { page, per_page: PAGE_SIZE },
      priority: options?.priority,
    });
    if (!Array.isArray(answer?.data) || typeof answer.meta?.last_page !== 'number')
      throw unexpectedAnswer({ provider: 'iproyal', displayName: IPROYAL_DESCRIPTION.displayName }, 'page');
    return answer;
  }

  private async call<T>(request: UpstreamRequest): Promise<T> {
    return (await this.client.request<T>(request)).data;
  }

  private subUserPath(providerSubUserId: string): string {
    if (!HASH_PATTERN.test(providerSubUserId)) {
      throw new ProviderError('iproyal', 'PROVIDER_NOT_FOUND', 'IPRoyal: no sub-user has this id');
    }
    return `${SUBUSER_PATH}/${providerSubUserId}`;
  }
}

/** The password a call sends: kept out of any error it ends with. */
function secretsOf(data: IproyalSubUserWrite): string[] {
  return data.password ? [data.password] : [];
}

export const iproyalDriverFactory: ProviderDriverFactory = {
  provider: 'iproyal',
  description: IPROYAL_DESCRIPTION,
  create: (account, runtime) => new IproyalDriver(account, runtime),
};
