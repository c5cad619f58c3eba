import { ClockIds } from '../clock-ids';
import { deterministicString, deterministicUlid, newUlid } from '../random-ids';
import { bytesToGigabytes, gigabytesToBytes } from '../traffic-units';
import { IproyalLimits, IproyalMe, IproyalStateEntry, IproyalSubuser, IproyalSubuserInput } from './types';

/** Traffic is kept in whole bytes so that moving it back and forth never loses a fraction. */
interface StoredSubuser {
  id: number;
  hash: string;
  username: string;
  password: string;
  availableBytes: number;
  usedBytes: number;
  limits: IproyalLimits | null;
}

interface Account {
  /** The main account's unallocated prepaid traffic. */
  balanceBytes: number;
  byHash: Map<string, StoredSubuser>;
  /** Ordered by id, as the list answers (an SQL table read in primary-key order). */
  ordered: StoredSubuser[];
  /** Lower-cased username -> hash: MySQL's default collation compares case-insensitively. */
  usernames: Map<string, string>;
  seedCounter: number;
  residentialUserHash: string;
}

/** A change that needed more traffic than was there: how much there was, in bytes. */
export interface Shortfall {
  shortOfBytes: number;
}

export type TrafficMove = { subuser: IproyalSubuser } | Shortfall;

/** In-memory IPRoyal accounts, one per API key, each with a prepaid traffic balance. */
export class IproyalStore {
  private accounts = new Map<string, Account>();
  private readonly ids = new ClockIds();

  constructor(
    private readonly keys: readonly string[],
    private readonly initialBalanceBytes: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.accounts = new Map(
      this.keys.map((key) => [
        key,
        {
          balanceBytes: this.initialBalanceBytes,
          byHash: new Map(),
          ordered: [],
          usernames: new Map(),
          seedCounter: 0,
          residentialUserHash: deterministicUlid(`iproyal-account:${key}`, Date.UTC(2024, 5, 1)),
        },
      ]),
    );
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
  }

  me(key: string): IproyalMe {
    const account = this.requireAccount(key);
    return {
      available_traffic: bytesToGigabytes(account.balanceBytes),
      subusers_count: account.byHash.size,
      residential_user_hash: account.residentialUserHash,
    };
  }

  balanceBytes(key: string): number {
    return this.requireAccount(key).balanceBytes;
  }

  setBalanceBytes(key: string, bytes: number): void {
    this.requireAccount(key).balanceBytes = bytes;
  }

  /**
   * One page of the sub-users whose username contains `search` (case-insensitive, like SQL
   * LIKE '%…%'), and how many match in all.
   */
  page(
    key: string,
    search: string,
    offset: number,
    limit: number,
  ): { total: number; items: IproyalSubuser[] } {
    const all = this.accounts.get(key)?.ordered ?? [];
    const needle = search.toLowerCase();
    const matching = needle === '' ? all : all.filter((s) => s.username.toLowerCase().includes(needle));
    return { total: matching.length, items: matching.slice(offset, offset + limit).map(resource) };
  }

  get(key: string, hash: string): IproyalSubuser | undefined {
    const stored = this.accounts.get(key)?.byHash.get(hash);
    return stored === undefined ? undefined : resource(stored);
  }

  /** Whether another sub-user of the account (not `exceptHash`) already has this username. */
  usernameTaken(key: string, username: string, exceptHash?: string): boolean {
    const owner = this.accounts.get(key)?.usernames.get(username.toLowerCase());
    return owner !== undefined && owner !== exceptHash;
  }

  /** `input` must be validated (username and password present, username free). */
  create(key: string, input: IproyalSubuserInput, now = Date.now()): TrafficMove {
    const account = this.requireAccount(key);
    const traffic = input.trafficBytes ?? 0;
    if (traffic > account.balanceBytes) return { shortOfBytes: account.balanceBytes };
    account.balanceBytes -= traffic;
    const stored: StoredSubuser = {
      id: this.ids.next(),
      hash: newUlid(now),
      username: input.username ?? '',
      password: input.password ?? '',
      availableBytes: traffic,
      usedBytes: 0,
      limits: input.limits ?? null,
    };
    this.insert(account, stored);
    return { subuser: resource(stored) };
  }

  /** `traffic` SETS the allocation: the difference moves between the balance and the sub-user. */
  update(key: string, hash: string, input: IproyalSubuserInput): TrafficMove | undefined {
    const account = this.requireAccount(key);
    const stored = account.byHash.get(hash);
    if (stored === undefined) return undefined;
    if (input.trafficBytes !== undefined) {
      const extra = input.trafficBytes - stored.availableBytes;
      if (extra > account.balanceBytes) return { shortOfBytes: account.balanceBytes };
      account.balanceBytes -= extra;
      stored.availableBytes = input.trafficBytes;
    }
    if (input.username !== undefined && input.username !== stored.username) {
      account.usernames.delete(stored.username.toLowerCase());
      stored.username = input.username;
      account.usernames.set(input.username.toLowerCase(), hash);
    }
    if (input.password !== undefined) stored.password = input.password;
    return { subuser: resource(stored) };
  }

  /** Moves `bytes` from the balance to the sub-user. */
  giveTraffic(key: string, hash: string, bytes: number): TrafficMove | undefined {
    const account = this.requireAccount(key);
    const stored = account.byHash.get(hash);
    if (stored === undefined) return undefined;
    if (bytes > account.balanceBytes) return { shortOfBytes: account.balanceBytes };
    account.balanceBytes -= bytes;
    stored.availableBytes += bytes;
    return { subuser: resource(stored) };
  }

  /** Moves `bytes` of the sub-user's unused traffic back to the balance. */
  takeTraffic(key: string, hash: string, bytes: number): TrafficMove | undefined {
    const account = this.requireAccount(key);
    const stored = account.byHash.get(hash);
    if (stored === undefined) return undefined;
    if (bytes > stored.availableBytes) return { shortOfBytes: stored.availableBytes };
    stored.availableBytes -= bytes;
    account.balanceBytes += bytes;
    return { subuser: resource(stored) };
  }

  /** Deletes the sub-user; its unused traffic returns to the balance. */
  delete(key: string, hash: string): boolean {
    const account = this.requireAccount(key);
    const stored = account.byHash.get(hash);
    if (stored === undefined) return false;
    account.balanceBytes += stored.availableBytes;
    account.byHash.delete(hash);
    account.usernames.delete(stored.username.toLowerCase());
    account.ordered.splice(this.position(account.ordered, stored.id), 1);
    return true;
  }

  /**
   * Simulated proxy use: `bytes` move from traffic_available to traffic_used, never more than
   * is available (a prepaid sub-user stops at zero). Returns the bytes actually used.
   */
  useTraffic(
    key: string,
    hash: string,
    bytes: number,
  ): { addedBytes: number; subUser: IproyalStateEntry } | undefined {
    const stored = this.accounts.get(key)?.byHash.get(hash);
    if (stored === undefined) return undefined;
    const added = Math.min(bytes, stored.availableBytes);
    stored.availableBytes -= added;
    stored.usedBytes += added;
    return { addedBytes: added, subUser: stateEntry(stored) };
  }

  /**
   * Adds `count` deterministic, varied sub-users; returns how many were created (a username
   * already taken is skipped). Seeded traffic does not come out of the balance, so a seeded
   * account still shows the configured balance.
   */
  seed(key: string, count: number, usernamePrefix = 'seeduser'): number {
    const account = this.requireAccount(key);
    const base = Date.UTC(2025, 0, 1, 9, 0, 0);
    let created = 0;
    for (let n = 0; n < count; n++) {
      const index = account.seedCounter++;
      const username = `${usernamePrefix}${index + 1}`;
      if (account.usernames.has(username.toLowerCase())) continue;
      this.insert(account, {
        // Seeded ids are the account's seed numbers: the same on every run, below every clock id.
        id: index + 1,
        hash: deterministicUlid(`iproyal-seed:${key}:${index}`, base + index * 60_000),
        username,
        password: deterministicString(`iproyal-seed-pass:${key}:${index}`, 12),
        availableBytes: gigabytesToBytes(SEED_AVAILABLE_GB[index % SEED_AVAILABLE_GB.length]),
        usedBytes: gigabytesToBytes(((index * 37) % 100) / 10),
        limits: null,
      });
      created++;
    }
    return created;
  }

  /** Raw state for test assertions. */
  state(key?: string): IproyalStateEntry[] {
    const entries: IproyalStateEntry[] = [];
    for (const [accountKey, account] of this.accounts) {
      if (key !== undefined && key !== accountKey) continue;
      for (const stored of account.ordered) entries.push(stateEntry(stored));
    }
    return entries;
  }

  private insert(account: Account, stored: StoredSubuser): void {
    account.byHash.set(stored.hash, stored);
    account.usernames.set(stored.username.toLowerCase(), stored.hash);
    const last = account.ordered[account.ordered.length - 1];
    if (last === undefined || last.id < stored.id) account.ordered.push(stored);
    else account.ordered.splice(this.position(account.ordered, stored.id), 0, stored);
  }

  /** Index of `id` in the id-ordered array, or where it would go. */
  private position(ordered: StoredSubuser[], id: number): number {
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ordered[middle].id < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private requireAccount(key: string): Account {
    const account = this.accounts.get(key);
    if (account === undefined) throw new Error(`unknown IPRoyal key '${key}'`);
    return account;
  }
}

const SEED_AVAILABLE_GB = [1, 5, 10, 25.5, 50, 0.75];

/** The SubuserResource fields, in the docs' order, traffic in GB. */
function resource(stored: StoredSubuser): IproyalSubuser {
  return {
    id: stored.id,
    hash: stored.hash,
    username: stored.username,
    password: stored.password,
    traffic_available: bytesToGigabytes(stored.availableBytes),
    traffic_used: bytesToGigabytes(stored.usedBytes),
  };
}

function stateEntry(stored: StoredSubuser): IproyalStateEntry {
  return {
    ...resource(stored),
    limits: stored.limits === null ? null : { ...stored.limits },
    traffic_available_bytes: stored.availableBytes,
    traffic_used_bytes: stored.usedBytes,
  };
}
