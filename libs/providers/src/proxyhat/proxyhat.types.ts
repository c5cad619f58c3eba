/** Raw ProxyHat API v1 JSON (see shared/providers/proxyhat.md and the seeds). */

/** Every answer is wrapped in this envelope. */
export interface ProxyhatEnvelope<T> {
  success: boolean;
  payload: T;
  meta?: Record<string, unknown>;
  errors?: unknown[] | Record<string, string[]>;
  description?: string;
  message?: string;
}

export interface ProxyhatSubUser {
  uuid: string;
  proxy_username: string;
  /** Present in some payloads (HatFetch sees it in lists). Never stored by the gateway. */
  proxy_password?: string | null;
  is_default_user: boolean;
  is_traffic_limited: boolean;
  /** Bytes. */
  used_traffic: number | null;
  /** Bytes; meaningful only when is_traffic_limited. */
  traffic_limit: number | null;
  lifecycle_status: string | null;
  name: string | null;
  notes: string | null;
  sub_user_group_id: string | null;
  created_at: string | null;
  updated_at?: string | null;
  suspended_at?: string | null;
}

export interface ProxyhatSubUserWrite {
  proxy_password?: string;
  is_traffic_limited?: boolean;
  /** A human string with 1024-based units, e.g. "5GB". */
  traffic_limit?: string;
  name?: string | null;
  notes?: string | null;
  sub_user_group_id?: string | null;
}

export interface ProxyhatDeletePayload {
  deleted: boolean;
  status: string;
}

export interface ProxyhatBulkDeletePayload {
  requested: number;
  deleted: number;
  skipped: number;
  not_found: number;
  failed: number;
}

export interface ProxyhatResetUsagePayload {
  reset: number;
}

export interface ProxyhatGroup {
  id: string;
  name: string;
  description: string | null;
  sub_users_count?: number | null;
  created_at: string | null;
}
