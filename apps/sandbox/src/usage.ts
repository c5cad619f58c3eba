import { Provider, PROVIDERS } from './config';
import { SandboxControlError, SandboxNotFoundError } from './control-errors';
import { IproyalStateEntry } from './iproyal/types';
import { IproyalStore } from './iproyal/store';
import { ProxyhatStore } from './proxyhat/store';
import { ProxyhatSubUser } from './proxyhat/types';
import { WebshareStateEntry, WebshareStore } from './webshare/store';

/** `POST /__sandbox/traffic`: simulated proxy use of one sub-user. */
export interface TrafficSpec {
  provider: Provider;
  /** The provider's own id: Webshare's integer id, ProxyHat's uuid, IPRoyal's hash. */
  subUserId: number | string;
  bytes: number;
  /** Account key; default: the provider's first key. */
  key?: string;
}

/** `POST /__sandbox/period-reset`: ends a Webshare sub-user's bandwidth period. */
export interface PeriodResetSpec {
  provider: Provider;
  subUserId: number | string;
  key?: string;
}

export type SubUserState = WebshareStateEntry | ProxyhatSubUser | IproyalStateEntry;

export interface TrafficResult {
  provider: Provider;
  key: string;
  subUserId: number | string;
  requestedBytes: number;
  /** Less than requested only for IPRoyal, whose prepaid traffic_available stops at zero. */
  addedBytes: number;
  /** The sub-user afterwards, as /__sandbox/state shows it. */
  subUser: SubUserState;
}

export interface PeriodResetResult {
  provider: 'webshare';
  key: string;
  subUserId: number;
  subUser: WebshareStateEntry;
}

export interface UsageStores {
  keys: Record<Provider, readonly string[]>;
  webshare: WebshareStore;
  proxyhat: ProxyhatStore;
  iproyal: IproyalStore;
}

export function addTraffic(stores: UsageStores, spec: TrafficSpec): TrafficResult {
  const { provider, key, subUserId } = target(stores, spec);
  const bytes = spec.bytes;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new SandboxControlError('bytes must be a non-negative integer');
  }
  const result = (addedBytes: number, subUser: SubUserState | undefined): TrafficResult => {
    if (subUser === undefined) throw notFound(provider, key, subUserId);
    return { provider, key, subUserId, requestedBytes: bytes, addedBytes, subUser };
  };
  switch (provider) {
    case 'webshare':
      return result(bytes, stores.webshare.addUsage(key, webshareId(subUserId), bytes));
    case 'proxyhat':
      return result(bytes, stores.proxyhat.addUsage(key, String(subUserId), bytes));
    case 'iproyal': {
      const used = stores.iproyal.useTraffic(key, String(subUserId), bytes);
      return result(used?.addedBytes ?? 0, used?.subUser);
    }
  }
}

export function resetPeriod(stores: UsageStores, spec: PeriodResetSpec): PeriodResetResult {
  const { provider, key, subUserId } = target(stores, spec);
  if (provider === 'proxyhat') {
    throw new SandboxControlError(
      'ProxyHat sub-users have no bandwidth periods: used_traffic only goes back to zero through POST /v1/sub-users/reset/usage',
    );
  }
  if (provider === 'iproyal') {
    throw new SandboxControlError(
      'IPRoyal sub-users have no bandwidth periods: their traffic is prepaid (traffic_available) and never resets',
    );
  }
  const id = webshareId(subUserId);
  const subUser = stores.webshare.endPeriod(key, id);
  if (subUser === undefined) throw notFound(provider, key, subUserId);
  return { provider, key, subUserId: id, subUser };
}

function target(
  stores: UsageStores,
  spec: TrafficSpec | PeriodResetSpec,
): { provider: Provider; key: string; subUserId: number | string } {
  if (spec === null || typeof spec !== 'object') throw new SandboxControlError('body must be an object');
  const { provider, subUserId } = spec;
  if (!PROVIDERS.includes(provider)) {
    throw new SandboxControlError(`provider must be one of ${PROVIDERS.join(', ')}`);
  }
  const keys = stores.keys[provider];
  const key = spec.key ?? keys[0];
  if (!keys.includes(key)) throw new SandboxControlError(`unknown ${provider} key '${key}'`);
  if (typeof subUserId !== 'string' && typeof subUserId !== 'number') {
    throw new SandboxControlError("subUserId must be the provider's id of the sub-user");
  }
  return { provider, key, subUserId };
}

/** Webshare ids are integers; JSON callers may send them as strings. */
function webshareId(subUserId: number | string): number {
  const id =
    typeof subUserId === 'number' ? subUserId : /^\d{1,16}$/.test(subUserId) ? Number(subUserId) : NaN;
  if (!Number.isSafeInteger(id))
    throw new SandboxControlError('subUserId must be a Webshare sub-user id (an integer)');
  return id;
}

function notFound(provider: Provider, key: string, subUserId: number | string): SandboxNotFoundError {
  return new SandboxNotFoundError(`no ${provider} sub-user '${subUserId}' in account '${key}'`);
}
