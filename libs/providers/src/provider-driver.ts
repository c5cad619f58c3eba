import {
  type CreateSubUserInput,
  type ErrorCode,
  type ProviderCapabilities,
  type ProviderName,
  type ProviderSubUser,
  type SubUserEcho,
  UnsupportedByProviderError,
  type UpdateSubUserInput,
} from '@app/domain';
import type { CircuitStateName } from './resilience/resilience.types';

/** User calls go ahead of background (sync) calls in the per-account limiter. */
export type CallPriority = 'user' | 'background';

export interface CallOptions {
  priority?: CallPriority;
}

export interface DeleteResult {
  /** `deleting` where the provider finishes the deletion later. */
  status: 'deleted' | 'deleting';
}

export type BulkDeleteOutcome = 'deleted' | 'deleting' | 'not_found' | 'skipped' | 'failed';

export interface BulkDeleteItemResult {
  id: string;
  outcome: BulkDeleteOutcome;
  error?: { code: ErrorCode; message: string };
}

export interface ProxyCredentials {
  username: string;
  /** `null` when the provider does not reveal it. */
  password: string | null;
  host: string;
  ports: { http: number; socks5?: number };
  /** Ready-to-use proxy URLs (they contain the password: never log them). */
  proxyUrls: string[];
}

/** The account's prepaid traffic not yet given to any sub-user. */
export interface AccountBalance {
  availableBytes: number;
}

export interface SubUserGroup {
  id: string;
  name: string;
  description: string | null;
  subUserCount: number | null;
  createdAt: string | null;
}

/**
 * One provider account's sub-users, normalized. Optional operations are absent where the
 * provider lacks them; callers go through {@link requireOperation} to get UNSUPPORTED_BY_PROVIDER.
 */
export interface ProviderDriver {
  readonly provider: ProviderName;
  readonly accountId: string;
  readonly capabilities: ProviderCapabilities;

  /** Resolves when the account's key is accepted; throws PROVIDER_AUTH_FAILED otherwise. */
  checkCredentials(options?: CallOptions): Promise<void>;
  /** Every sub-user of the account (all pages). A failed page fails the whole list. */
  list(options?: CallOptions): Promise<ProviderSubUser[]>;
  /**
   * The same listing a page at a time, as the pages arrive (later pages are being fetched while a
   * caller works on one): a sync processes 100,000 sub-users without holding them all. A
   * sub-user may appear on two pages (the list shifted between reads); a failed page throws.
   */
  listPages?(options?: CallOptions): AsyncIterable<ProviderSubUser[]>;
  get(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser>;
  /**
   * Sent once: retried only when the provider certainly did not process it. The answer carries
   * `revealedPassword` where the provider reveals the proxy password.
   */
  create(input: CreateSubUserInput, options?: CallOptions): Promise<ProviderSubUser>;
  /**
   * Pure: what the provider will hold after `create(input)`, in normalized fields, with every
   * transformation the provider applies to what it is sent, for the fields `input` sets (values
   * the driver generates, such as a password, are not in it). Throws what `create` would throw
   * for an input it refuses. The gateway matches it (`echoMatches`) against a later listing to
   * find the sub-user of a create whose answer was lost.
   */
  expectedEcho(input: CreateSubUserInput): SubUserEcho;
  update(
    providerSubUserId: string,
    input: UpdateSubUserInput,
    options?: CallOptions,
  ): Promise<ProviderSubUser>;
  delete(providerSubUserId: string, options?: CallOptions): Promise<DeleteResult>;

  bulkDelete?(providerSubUserIds: string[], options?: CallOptions): Promise<BulkDeleteItemResult[]>;
  refreshProxyList?(providerSubUserId: string, options?: CallOptions): Promise<ProviderSubUser>;
  getCredentials?(providerSubUserId: string, options?: CallOptions): Promise<ProxyCredentials>;
  resetUsage?(providerSubUserId: string, options?: CallOptions): Promise<void>;
  setPassword?(providerSubUserId: string, password: string, options?: CallOptions): Promise<void>;
  listGroups?(options?: CallOptions): Promise<SubUserGroup[]>;
  /** Where the account has a prepaid balance (`capabilities.balance`). */
  getBalance?(options?: CallOptions): Promise<AccountBalance>;

  /** The circuit breaker's state for this account. */
  circuitState(): CircuitStateName;
  /** Waits for calls in flight (bounded), then frees sockets and Redis connections. */
  close(): Promise<void>;
}

export type OptionalOperation =
  | 'bulkDelete'
  | 'refreshProxyList'
  | 'getCredentials'
  | 'resetUsage'
  | 'setPassword'
  | 'listGroups'
  | 'getBalance';

type BoundOperation<K extends OptionalOperation> = NonNullable<ProviderDriver[K]>;

/** The optional operation bound to its driver, or UNSUPPORTED_BY_PROVIDER. */
export function requireOperation<K extends OptionalOperation>(
  driver: ProviderDriver,
  operation: K,
): BoundOperation<K> {
  const method = driver[operation];
  if (typeof method !== 'function') throw new UnsupportedByProviderError(driver.provider, operation);
  return (method as (...args: unknown[]) => unknown).bind(driver) as BoundOperation<K>;
}

export function supportsOperation(driver: ProviderDriver, operation: OptionalOperation): boolean {
  return typeof driver[operation] === 'function';
}
