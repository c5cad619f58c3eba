import { deterministicString, deterministicUuid, newUuid, randomString } from '../random-ids';
import { proxyhatDateTime } from '../time-format';
import { withMembers } from './groups';
import {
  ProxyhatGroup,
  ProxyhatGroupInput,
  ProxyhatGroupView,
  ProxyhatSubUser,
  ProxyhatSubUserInput,
} from './types';

interface Account {
  /** Insertion-ordered: the list answers in creation order. */
  subUsers: Map<string, ProxyhatSubUser>;
  groups: Map<string, ProxyhatGroup>;
  usernames: Set<string>;
  /** uuid -> when a 'Deleting' sub-user disappears. */
  pendingDeletion: Map<string, number>;
  /** Earliest time in pendingDeletion, so most requests skip the purge scan. */
  nextPurgeAt: number;
  seedCounter: number;
}

export type DeleteOutcome = 'deleting' | 'already-deleting' | 'default-user' | 'not-found';

export interface BulkDeleteCounts {
  requested: number;
  deleted: number;
  skipped: number;
  not_found: number;
  failed: number;
}

const GB = 1024 ** 3;

/** In-memory ProxyHat accounts, one per API key, each with its default sub-user. */
export class ProxyhatStore {
  private accounts = new Map<string, Account>();

  constructor(private readonly keys: readonly string[]) {
    this.reset();
  }

  reset(now = Date.now()): void {
    this.accounts = new Map();
    for (const key of this.keys) {
      const account: Account = {
        subUsers: new Map(),
        groups: new Map(),
        usernames: new Set(),
        pendingDeletion: new Map(),
        nextPurgeAt: Infinity,
        seedCounter: 0,
      };
      this.accounts.set(key, account);
      this.insert(account, {
        uuid: deterministicUuid(`proxyhat-default:${key}`),
        proxy_username: `user_${deterministicString(`proxyhat-default-user:${key}`, 10)}`,
        proxy_password: deterministicString(`proxyhat-default-pass:${key}`, 16),
        is_default_user: true,
        is_traffic_limited: false,
        used_traffic: 0,
        traffic_limit: 0,
        lifecycle_status: 'Active',
        name: null,
        notes: null,
        sub_user_group_id: null,
        created_at: proxyhatDateTime(now),
        suspended_at: null,
      });
    }
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
  }

  list(key: string, now = Date.now()): ProxyhatSubUser[] {
    const account = this.live(key, now);
    return account === undefined ? [] : [...account.subUsers.values()];
  }

  get(key: string, uuid: string, now = Date.now()): ProxyhatSubUser | undefined {
    return this.live(key, now)?.subUsers.get(uuid);
  }

  /** `input` must already be validated (password present, group existing). */
  create(key: string, input: ProxyhatSubUserInput, now = Date.now()): ProxyhatSubUser {
    const account = this.requireAccount(key);
    const subUser: ProxyhatSubUser = {
      uuid: newUuid(),
      proxy_username: this.uniqueUsername(account),
      proxy_password: input.proxy_password ?? randomString(16),
      is_default_user: false,
      is_traffic_limited: input.is_traffic_limited ?? false,
      used_traffic: 0,
      traffic_limit: input.traffic_limit ?? 0,
      lifecycle_status: 'Active',
      name: input.name ?? null,
      notes: input.notes ?? null,
      sub_user_group_id: null,
      created_at: proxyhatDateTime(now),
      suspended_at: null,
    };
    this.insert(account, subUser);
    if (input.sub_user_group_id) this.assignGroup(account, subUser, input.sub_user_group_id);
    return subUser;
  }

  update(
    key: string,
    uuid: string,
    input: ProxyhatSubUserInput,
    now = Date.now(),
  ): ProxyhatSubUser | undefined {
    const account = this.live(key, now);
    const subUser = account?.subUsers.get(uuid);
    if (account === undefined || subUser === undefined) return undefined;
    if (input.proxy_password !== undefined) subUser.proxy_password = input.proxy_password;
    if (input.is_traffic_limited !== undefined) subUser.is_traffic_limited = input.is_traffic_limited;
    if (input.traffic_limit !== undefined) subUser.traffic_limit = input.traffic_limit;
    if (input.name !== undefined) subUser.name = input.name;
    if (input.notes !== undefined) subUser.notes = input.notes;
    if (input.sub_user_group_id !== undefined) this.assignGroup(account, subUser, input.sub_user_group_id);
    return subUser;
  }

  /** Starts the asynchronous deletion: 'Deleting' now, gone after `asyncDeleteMs`. */
  markDeleting(key: string, uuid: string, asyncDeleteMs: number, now = Date.now()): DeleteOutcome {
    const account = this.live(key, now);
    const subUser = account?.subUsers.get(uuid);
    if (account === undefined || subUser === undefined) return 'not-found';
    if (subUser.is_default_user) return 'default-user';
    if (subUser.lifecycle_status === 'Deleting') return 'already-deleting';
    subUser.lifecycle_status = 'Deleting';
    const goneAt = now + asyncDeleteMs;
    account.pendingDeletion.set(uuid, goneAt);
    account.nextPurgeAt = Math.min(account.nextPurgeAt, goneAt);
    if (asyncDeleteMs <= 0) this.purge(account, now);
    return 'deleting';
  }

  /**
   * Counts what was sent: requested = ids.length (duplicates included), and every id lands in
   * exactly one of deleted / skipped (default user or already deleting) / not_found. The docs'
   * example answers requested 3 for 2 ids; the sandbox counts correctly instead.
   */
  bulkDelete(key: string, ids: string[], asyncDeleteMs: number, now = Date.now()): BulkDeleteCounts {
    const counts: BulkDeleteCounts = {
      requested: ids.length,
      deleted: 0,
      skipped: 0,
      not_found: 0,
      failed: 0,
    };
    for (const uuid of ids) {
      const outcome = this.markDeleting(key, uuid, Math.max(asyncDeleteMs, 1), now);
      if (outcome === 'deleting') counts.deleted++;
      else if (outcome === 'not-found') counts.not_found++;
      else counts.skipped++;
    }
    // A zero delay still removes them, but only after all ids were counted.
    if (asyncDeleteMs <= 0) this.live(key, now + 1);
    return counts;
  }

  resetUsage(key: string, ids: string[], now = Date.now()): number {
    let reset = 0;
    for (const uuid of new Set(ids)) {
      const subUser = this.get(key, uuid, now);
      if (subUser === undefined) continue;
      subUser.used_traffic = 0;
      reset++;
    }
    return reset;
  }

  /** Simulated proxy use: `bytes` more used traffic (no cap: usage can overshoot a limit). */
  addUsage(key: string, uuid: string, bytes: number, now = Date.now()): ProxyhatSubUser | undefined {
    const subUser = this.get(key, uuid, now);
    if (subUser === undefined) return undefined;
    subUser.used_traffic += bytes;
    return { ...subUser };
  }

  moveToGroup(key: string, ids: string[], groupId: string | null, now = Date.now()) {
    const account = this.requireAccount(key);
    let moved = 0;
    let notFound = 0;
    for (const uuid of new Set(ids)) {
      const subUser = this.get(key, uuid, now);
      if (subUser === undefined) {
        notFound++;
        continue;
      }
      this.assignGroup(account, subUser, groupId);
      moved++;
    }
    return { requested: ids.length, moved, not_found: notFound };
  }

  listGroups(key: string, now = Date.now()): ProxyhatGroupView[] {
    const account = this.live(key, now);
    return account === undefined ? [] : withMembers([...account.groups.values()], account.subUsers.values());
  }

  getGroup(key: string, id: string, now = Date.now()): ProxyhatGroupView | undefined {
    const account = this.live(key, now);
    const group = account?.groups.get(id);
    return account === undefined || group === undefined
      ? undefined
      : withMembers([group], account.subUsers.values())[0];
  }

  hasGroup(key: string, id: string): boolean {
    return this.accounts.get(key)?.groups.has(id) ?? false;
  }

  createGroup(key: string, input: ProxyhatGroupInput, now = Date.now()): ProxyhatGroupView {
    const account = this.requireAccount(key);
    const group: ProxyhatGroup = {
      id: newUuid(),
      name: input.name ?? '',
      description: input.description ?? null,
      sub_users_count: 0,
      created_at: proxyhatDateTime(now),
    };
    account.groups.set(group.id, group);
    return { ...group, sub_users: [] };
  }

  updateGroup(
    key: string,
    id: string,
    input: ProxyhatGroupInput,
    now = Date.now(),
  ): ProxyhatGroupView | undefined {
    const group = this.accounts.get(key)?.groups.get(id);
    if (group === undefined) return undefined;
    if (input.name !== undefined) group.name = input.name;
    if (input.description !== undefined) group.description = input.description;
    return this.getGroup(key, id, now);
  }

  /** Deleting a group takes its sub-users out of it; the sub-users stay. */
  deleteGroup(key: string, id: string): boolean {
    const account = this.accounts.get(key);
    if (account === undefined || !account.groups.delete(id)) return false;
    for (const subUser of account.subUsers.values()) {
      if (subUser.sub_user_group_id === id) subUser.sub_user_group_id = null;
    }
    return true;
  }

  /** Adds `count` deterministic, varied sub-users; returns how many were created. */
  seed(key: string, count: number, labelPrefix = 'Seed user ', now = Date.now()): number {
    const account = this.requireAccount(key);
    const base = Date.UTC(2026, 0, 1, 10, 0, 0);
    for (let n = 0; n < count; n++) {
      const index = account.seedCounter++;
      const limited = index % 3 !== 0;
      const limitGb = [1, 5, 10, 50, 100][index % 5];
      const username = `user_${deterministicString(`proxyhat-seed-user:${key}:${index}`, 10)}`;
      if (account.usernames.has(username)) continue;
      this.insert(account, {
        uuid: deterministicUuid(`proxyhat-seed:${key}:${index}`),
        proxy_username: username,
        proxy_password: deterministicString(`proxyhat-seed-pass:${key}:${index}`, 16),
        is_default_user: false,
        is_traffic_limited: limited,
        used_traffic: limited
          ? Math.floor((limitGb * GB * ((index * 37) % 100)) / 100)
          : (index * 7919) % (3 * GB),
        traffic_limit: limited ? limitGb * GB : 0,
        lifecycle_status: 'Active',
        name: `${labelPrefix}${index + 1}`,
        notes: index % 4 === 0 ? `Seeded sub-user #${index + 1}` : null,
        sub_user_group_id: null,
        created_at: proxyhatDateTime(Math.min(base + index * 60_000, now)),
        suspended_at: null,
      });
    }
    return count;
  }

  /** Raw stored sub-users (including 'Deleting' ones) for test assertions. */
  state(key?: string, now = Date.now()): ProxyhatSubUser[] {
    const entries: ProxyhatSubUser[] = [];
    for (const accountKey of this.accounts.keys()) {
      if (key !== undefined && key !== accountKey) continue;
      for (const subUser of this.list(accountKey, now)) entries.push({ ...subUser });
    }
    return entries;
  }

  private insert(account: Account, subUser: ProxyhatSubUser): void {
    account.subUsers.set(subUser.uuid, subUser);
    account.usernames.add(subUser.proxy_username);
  }

  private assignGroup(account: Account, subUser: ProxyhatSubUser, groupId: string | null): void {
    if (subUser.sub_user_group_id === groupId) return;
    const previous =
      subUser.sub_user_group_id === null ? undefined : account.groups.get(subUser.sub_user_group_id);
    if (previous !== undefined) previous.sub_users_count--;
    const next = groupId === null ? undefined : account.groups.get(groupId);
    if (next !== undefined) next.sub_users_count++;
    subUser.sub_user_group_id = next === undefined ? null : next.id;
  }

  private uniqueUsername(account: Account): string {
    let username: string;
    do username = `user_${randomString(10)}`;
    while (account.usernames.has(username));
    return username;
  }

  /** The account with sub-users whose deletion delay has passed removed. */
  private live(key: string, now: number): Account | undefined {
    const account = this.accounts.get(key);
    if (account !== undefined && now >= account.nextPurgeAt) this.purge(account, now);
    return account;
  }

  private purge(account: Account, now: number): void {
    let next = Infinity;
    for (const [uuid, goneAt] of account.pendingDeletion) {
      if (goneAt > now) {
        next = Math.min(next, goneAt);
        continue;
      }
      const subUser = account.subUsers.get(uuid);
      if (subUser !== undefined) {
        this.assignGroup(account, subUser, null);
        account.subUsers.delete(uuid);
        account.usernames.delete(subUser.proxy_username);
      }
      account.pendingDeletion.delete(uuid);
    }
    account.nextPurgeAt = next;
  }

  private requireAccount(key: string): Account {
    const account = this.accounts.get(key);
    if (account === undefined) throw new Error(`unknown ProxyHat key '${key}'`);
    return account;
  }
}
