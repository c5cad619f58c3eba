/** Raw Webshare API v2 JSON (see shared/providers/webshare.md and the seeds). */

export interface WebshareErrorReason {
  reason: string;
  type?: string | null;
  how_to_fix?: string | null;
  http_status?: number | null;
  count: number;
}

export interface WebshareAggregateStats {
  bandwidth_projected?: number | null;
  bandwidth_total?: number | null;
  bandwidth_average?: number | null;
  requests_total?: number | null;
  requests_successful?: number | null;
  requests_failed?: number | null;
  error_reasons?: WebshareErrorReason[] | null;
  countries_used?: Record<string, number> | null;
  number_of_proxies_used?: number | null;
  protocols_used?: Record<string, number> | null;
  average_concurrency?: number | null;
  average_rps?: number | null;
  last_request_sent_at?: string | null;
}

export interface WebshareSubUser {
  id: number;
  label: string | null;
  proxy_countries: Record<string, number> | null;
  /** GB (1024³ bytes) as a float; 0 = unlimited. */
  proxy_limit: number;
  max_thread_count: number | null;
  aggregate_stats?: WebshareAggregateStats | null;
  created_at: string | null;
  updated_at: string | null;
  bandwidth_use_start_date?: string | null;
  bandwidth_use_end_date?: string | null;
}

export interface WebsharePage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface WebshareSubUserWrite {
  label?: string;
  proxy_limit?: number;
  max_thread_count?: number;
  proxy_countries?: Record<string, number> | null;
}

/** `GET /api/v2/proxy/config/` as a sub-user (X-Subuser). */
export interface WebshareProxyConfig {
  username: string;
  password: string;
  proxy_list_download_token?: string;
  [key: string]: unknown;
}

/** DRF error bodies: `{"detail": "..."}` or `{"field": [{"message","code"}]}` or `{"field": ["msg"]}`. */
export type WebshareErrorBody = Record<string, unknown>;
