import { ClockIds } from '../clock-ids';
import { deterministicString, randomLowercase, randomString } from '../random-ids';
import { addOneMonth, parseIsoDateTime, webshareDateTime } from '../time-format';
import {
  emptyAggregateStats,
  projectedBandwidth,
  SEED_COUNTRIES,
  SEED_PROXY_LIMITS,
  SEED_THREAD_COUNTS,
  seededStats,
} from './stats';
import { forgetSubuserJson } from './serialize';
import { WebshareProxyCredentials, WebshareSubuser, WebshareSubuserInput } from './types';

interface StoredSubuser {
  subuser: WebshareSubuser;
  credentials: WebshareProxyCredentials;
}

/** One plan's sub-users: a Map for O(1) lookups, an id-ordered array for page slicing. */
interface PlanSubusers {
  byId: Map<number, StoredSubuser>;
  ordered: WebshareSubuser[];
}

interface Account {
  /** How many sub-users were seeded: seeded sub-user n has id n (deterministic data). */
  seedCounter: number;
  plans: Map<string, PlanSubusers>;
  credentials: WebshareProxyCredentials;
}

export interface WebshareStateEntry extends WebshareSubuser {
  plan_id: number | null;
  proxy_credentials: WebshareProxyCredentials;
}

export const DEFAULT_MAX_THREAD_COUNT = 500;
const DEFAULT_PLAN = 'default';

function planKey(planId: number | null): string {
  return planId === null ? DEFAULT_PLAN : String(planId);
}

/**
 * In-memory Webshare accounts, one per API key. Created sub-users get clock-derived ids
 * (clock-ids.ts), so a restarted sandbox never hands out an id again; seeded ones get their
 * seed number, far below.
 */
export class WebshareStore {
  private accounts = new Map<string, Account>();
  private microsCounter = 0;
  private readonly ids = new ClockIds();

  constructor(private readonly keys: readonly string[]) {
    this.reset();
  }

  reset(): void {
    this.accounts = new Map(
      this.keys.map((key) => [
        key,
        {
          seedCounter: 0,
          plans: new Map(),
          credentials: {
            username: deterministicString(`webshare-account-user:${key}`, 8).replace(/\d/g, 'x'),
            password: deterministicString(`webshare-account-pass:${key}`, 12),
            proxy_list_download_token: deterministicString(`webshare-account-token:${key}`, 40),
          },
        },
      ]),
    );
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
  }

  /** The plan's sub-users ordered by id (do not mutate). */
  list(key: string, planId: number | null): readonly WebshareSubuser[] {
    return this.plan(key, planId)?.ordered ?? [];
  }

  get(key: string, planId: number | null, id: number): WebshareSubuser | undefined {
    return this.plan(key, planId)?.byId.get(id)?.subuser;
  }

  credentialsOf(key: string, planId: number | null, id: number): WebshareProxyCredentials | undefined {
    return this.plan(key, planId)?.byId.get(id)?.credentials;
  }

  accountCredentials(key: string): WebshareProxyCredentials | undefined {
    return this.accounts.get(key)?.credentials;
  }

  create(key: string, planId: number | null, input: WebshareSubuserInput, now = Date.now()): WebshareSubuser {
    const account = this.requireAccount(key);
    const stamp = webshareDateTime(now, this.nextMicros());
    const start = input.bandwidth_use_start ?? { ms: now, micros: this.nextMicros() };
    const subuser: WebshareSubuser = {
      id: this.ids.next(),
      label: input.label ?? '',
      proxy_countries: input.proxy_countries ?? null,
      proxy_limit: input.proxy_limit ?? 0,
      max_thread_count: input.max_thread_count ?? DEFAULT_MAX_THREAD_COUNT,
      aggregate_stats: emptyAggregateStats(),
      created_at: stamp,
      updated_at: stamp,
      bandwidth_use_start_date: webshareDateTime(start.ms, start.micros),
      bandwidth_use_end_date: webshareDateTime(addOneMonth(start.ms), start.micros),
    };
    this.insert(account, planId, {
      subuser,
      credentials: {
        username: randomLowercase(8),
        password: randomString(12),
        proxy_list_download_token: randomString(40),
      },
    });
    return subuser;
  }

  update(
    key: string,
    planId: number | null,
    id: number,
    input: WebshareSubuserInput,
    now = Date.now(),
  ): WebshareSubuser | undefined {
    const subuser = this.get(key, planId, id);
    if (subuser === undefined) return undefined;
    forgetSubuserJson(subuser);
    if (input.label !== undefined) subuser.label = input.label;
    if (input.proxy_limit !== undefined) subuser.proxy_limit = input.proxy_limit;
    if (input.max_thread_count !== undefined) subuser.max_thread_count = input.max_thread_count;
    if (input.proxy_countries !== undefined) subuser.proxy_countries = input.proxy_countries;
    if (input.bandwidth_use_start !== undefined) {
      const { ms, micros } = input.bandwidth_use_start;
      subuser.bandwidth_use_start_date = webshareDateTime(ms, micros);
      subuser.bandwidth_use_end_date = webshareDateTime(addOneMonth(ms), micros);
    }
    subuser.updated_at = webshareDateTime(now, this.nextMicros());
    return subuser;
  }

  /** Marks the proxy list as replaced; only the timestamp is visible. */
  refresh(key: string, planId: number | null, id: number, now = Date.now()): WebshareSubuser | undefined {
    const subuser = this.get(key, planId, id);
    if (subuser === undefined) return undefined;
    forgetSubuserJson(subuser);
    subuser.updated_at = webshareDateTime(now, this.nextMicros());
    return subuser;
  }

  delete(key: string, planId: number | null, id: number): boolean {
    const plan = this.plan(key, planId);
    if (plan === undefined || !plan.byId.delete(id)) return false;
    // Ids are ascending in `ordered`, so binary search finds the slot.
    let low = 0;
    let high = plan.ordered.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const middleId = plan.ordered[middle].id;
      if (middleId === id) {
        plan.ordered.splice(middle, 1);
        break;
      }
      if (middleId < id) low = middle + 1;
      else high = middle - 1;
    }
    return true;
  }

  /** The sub-user with this id in any plan of the account, with its plan. */
  locate(key: string, id: number): { planId: number | null; subuser: WebshareSubuser } | undefined {
    for (const [plan, subusers] of this.accounts.get(key)?.plans ?? []) {
      const stored = subusers.byId.get(id);
      if (stored !== undefined) {
        return { planId: plan === DEFAULT_PLAN ? null : Number(plan), subuser: stored.subuser };
      }
    }
    return undefined;
  }

  /**
   * Simulated proxy use: `bytes` more bandwidth in the current period, counted as one
   * successful HTTP request, with the fields Webshare derives from them (average bytes per
   * request, the projection for the whole period, the last request time).
   */
  addUsage(key: string, id: number, bytes: number, now = Date.now()): WebshareStateEntry | undefined {
    const found = this.locate(key, id);
    if (found === undefined) return undefined;
    const { subuser } = found;
    forgetSubuserJson(subuser);
    const stats = subuser.aggregate_stats;
    stats.bandwidth_total += bytes;
    stats.requests_total += 1;
    stats.requests_successful += 1;
    stats.protocols_used.http = (stats.protocols_used.http ?? 0) + 1;
    stats.number_of_proxies_used = Math.max(1, stats.number_of_proxies_used);
    stats.bandwidth_average = Math.round(stats.bandwidth_total / stats.requests_total);
    stats.bandwidth_projected = projectedBandwidth(subuser, now);
    stats.last_request_sent_at = webshareDateTime(now, this.nextMicros());
    return this.stateEntry(key, id);
  }

  /**
   * Ends the current bandwidth period as Webshare does when `bandwidth_use_end_date` passes:
   * the usage stats start again from zero and the period moves on by one month.
   */
  endPeriod(key: string, id: number): WebshareStateEntry | undefined {
    const found = this.locate(key, id);
    if (found === undefined) return undefined;
    const { subuser } = found;
    const end = parseIsoDateTime(subuser.bandwidth_use_end_date);
    if (end === null) throw new Error(`unreadable bandwidth_use_end_date of sub-user ${id}`);
    forgetSubuserJson(subuser);
    subuser.aggregate_stats = emptyAggregateStats();
    subuser.bandwidth_use_start_date = subuser.bandwidth_use_end_date;
    subuser.bandwidth_use_end_date = webshareDateTime(addOneMonth(end.ms), end.micros);
    return this.stateEntry(key, id);
  }

  /** Adds `count` deterministic, varied sub-users; returns how many were created. */
  seed(key: string, count: number, labelPrefix = 'seed-user-', planId: number | null = null): number {
    const account = this.requireAccount(key);
    const base = Date.UTC(2025, 0, 1, 9, 0, 0);
    for (let n = 0; n < count; n++) {
      const index = account.seedCounter++;
      const createdMs = base + index * 3_600_000;
      const stamp = webshareDateTime(createdMs, index % 1000);
      const startMs = Date.UTC(2026, index % 12, 1 + (index % 28));
      const subuser: WebshareSubuser = {
        // The seed number: the same on every run, and below every id create hands out.
        id: index + 1,
        label: `${labelPrefix}${index + 1}`,
        proxy_countries: SEED_COUNTRIES[index % SEED_COUNTRIES.length],
        proxy_limit: SEED_PROXY_LIMITS[index % SEED_PROXY_LIMITS.length],
        max_thread_count: SEED_THREAD_COUNTS[index % SEED_THREAD_COUNTS.length],
        aggregate_stats: seededStats(index),
        created_at: stamp,
        updated_at: stamp,
        bandwidth_use_start_date: webshareDateTime(startMs),
        bandwidth_use_end_date: webshareDateTime(addOneMonth(startMs)),
      };
      const seedKey = `${key}:${subuser.id}`;
      this.insert(account, planId, {
        subuser,
        credentials: {
          username: deterministicString(`user:${seedKey}`, 8).replace(/\d/g, 'q'),
          password: deterministicString(`pass:${seedKey}`, 12),
          proxy_list_download_token: deterministicString(`token:${seedKey}`, 40),
        },
      });
    }
    return count;
  }

  /** One sub-user's state entry. */
  stateEntry(key: string, id: number): WebshareStateEntry | undefined {
    const found = this.locate(key, id);
    const credentials = this.credentialsOf(key, found?.planId ?? null, id);
    if (found === undefined || credentials === undefined) return undefined;
    return { ...found.subuser, plan_id: found.planId, proxy_credentials: { ...credentials } };
  }

  /** Raw state for test assertions, including each sub-user's proxy credentials. */
  state(key?: string): WebshareStateEntry[] {
    const entries: WebshareStateEntry[] = [];
    for (const [accountKey, account] of this.accounts) {
      if (key !== undefined && key !== accountKey) continue;
      for (const [plan, subusers] of account.plans) {
        for (const stored of subusers.byId.values()) {
          entries.push({
            ...stored.subuser,
            plan_id: plan === DEFAULT_PLAN ? null : Number(plan),
            proxy_credentials: { ...stored.credentials },
          });
        }
      }
    }
    return entries;
  }

  private insert(account: Account, planId: number | null, stored: StoredSubuser): void {
    const name = planKey(planId);
    let plan = account.plans.get(name);
    if (plan === undefined) {
      plan = { byId: new Map(), ordered: [] };
      account.plans.set(name, plan);
    }
    plan.byId.set(stored.subuser.id, stored);
    const { ordered } = plan;
    const id = stored.subuser.id;
    if (ordered.length === 0 || ordered[ordered.length - 1].id < id) {
      ordered.push(stored.subuser);
      return;
    }
    // A seed after creates: its small id goes before theirs.
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ordered[middle].id < id) low = middle + 1;
      else high = middle;
    }
    ordered.splice(low, 0, stored.subuser);
  }

  private plan(key: string, planId: number | null): PlanSubusers | undefined {
    return this.accounts.get(key)?.plans.get(planKey(planId));
  }

  private requireAccount(key: string): Account {
    const account = this.accounts.get(key);
    if (account === undefined) throw new Error(`unknown Webshare key '${key}'`);
    return account;
  }

  /** Varies the microsecond digits the way real timestamps do, without a clock call. */
  private nextMicros(): number {
    this.microsCounter = (this.microsCounter + 137) % 1000;
    return this.microsCounter;
  }
}
