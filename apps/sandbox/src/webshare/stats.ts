import { parseIsoDateTime, webshareDateTime } from '../time-format';
import { WebshareAggregateStats, WebshareSubuser } from './types';

/** The aggregate_stats of a sub-user that has sent no request in the current period. */
export function emptyAggregateStats(): WebshareAggregateStats {
  return {
    bandwidth_projected: 0,
    bandwidth_total: 0,
    bandwidth_average: 0,
    requests_total: 0,
    requests_successful: 0,
    requests_failed: 0,
    error_reasons: [],
    countries_used: {},
    number_of_proxies_used: 0,
    protocols_used: {},
    average_concurrency: 0,
    average_rps: 0,
    last_request_sent_at: null,
  };
}

/**
 * The period's bandwidth if use goes on at the rate so far: total x period / elapsed (no more
 * than the total before the period starts).
 */
export function projectedBandwidth(subuser: WebshareSubuser, now: number): number {
  const total = subuser.aggregate_stats.bandwidth_total;
  const start = parseIsoDateTime(subuser.bandwidth_use_start_date)?.ms;
  const end = parseIsoDateTime(subuser.bandwidth_use_end_date)?.ms;
  if (start === undefined || end === undefined || now <= start || end <= start) return total;
  return Math.round((total * (end - start)) / Math.min(now - start, end - start));
}

export const SEED_COUNTRIES: (Record<string, number> | null)[] = [
  null,
  { ZZ: 1000 },
  { US: 10, GB: 5 },
  null,
  { DE: 20 },
  { US: 50, FR: 10, ZZ: 5 },
];
export const SEED_PROXY_LIMITS = [0, 1, 5, 10, 2.5, 50, 0.5];
export const SEED_THREAD_COUNTS = [500, 100, 50, 1000, 250];

/** Varied, plausible stats for seeded sub-user number `index` (a third have none). */
export function seededStats(index: number): WebshareAggregateStats {
  if (index % 3 === 0) return emptyAggregateStats();
  const requests = 5 + ((index * 7919) % 20_000);
  const failed = Math.floor(requests / 20);
  const bandwidthTotal = requests * 4096 + ((index * 104729) % 1_000_000);
  const errorReasons =
    failed > 0
      ? [
          {
            reason: 'client_connect_forbidden_host',
            type: 'configuration',
            how_to_fix: 'The target website you are connecting cannot be accessed via Webshare Proxy.',
            http_status: 403,
            count: failed,
          },
        ]
      : [];
  const gb = Math.floor(requests / 3);
  return {
    bandwidth_projected: bandwidthTotal * 3,
    bandwidth_total: bandwidthTotal,
    bandwidth_average: Math.round(bandwidthTotal / requests),
    requests_total: requests,
    requests_successful: requests - failed,
    requests_failed: failed,
    error_reasons: errorReasons,
    countries_used: { GB: gb, FR: requests - gb },
    number_of_proxies_used: 1 + (index % 40),
    // The SDKs name the protocols `http` and `socks`.
    protocols_used: { http: requests - (index % 5), socks: index % 5 },
    average_concurrency: requests / 3_600_000,
    average_rps: requests / 1_800_000,
    last_request_sent_at: webshareDateTime(Date.UTC(2026, 0, 1) + index * 60_000, (index * 7) % 1000),
  };
}
