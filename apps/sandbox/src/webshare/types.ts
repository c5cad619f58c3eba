export interface WebshareErrorReason {
  reason: string;
  type: string;
  how_to_fix: string;
  http_status: number;
  count: number;
}

/** The documented shape of `aggregate_stats` (bandwidth in bytes). */
export interface WebshareAggregateStats {
  bandwidth_projected: number;
  bandwidth_total: number;
  bandwidth_average: number;
  requests_total: number;
  requests_successful: number;
  requests_failed: number;
  error_reasons: WebshareErrorReason[];
  countries_used: Record<string, number>;
  number_of_proxies_used: number;
  protocols_used: Record<string, number>;
  average_concurrency: number;
  average_rps: number;
  last_request_sent_at: string | null;
}

/** Exactly the fields of Webshare's sub-user object. */
export interface WebshareSubuser {
  id: number;
  label: string;
  proxy_countries: Record<string, number> | null;
  proxy_limit: number;
  max_thread_count: number;
  aggregate_stats: WebshareAggregateStats;
  created_at: string;
  updated_at: string;
  bandwidth_use_start_date: string;
  bandwidth_use_end_date: string;
}

/** What the masqueraded proxy config reveals; never part of the sub-user object. */
export interface WebshareProxyCredentials {
  username: string;
  password: string;
  proxy_list_download_token: string;
}

/** Validated create/update input (absent = not sent). */
export interface WebshareSubuserInput {
  label?: string;
  proxy_limit?: number;
  max_thread_count?: number;
  proxy_countries?: Record<string, number> | null;
  bandwidth_use_start?: { ms: number; micros: number };
}
