/** Exactly the fields of ProxyHat's sub-user object (list and get payloads). */
export interface ProxyhatSubUser {
  uuid: string;
  proxy_username: string;
  proxy_password: string;
  is_default_user: boolean;
  is_traffic_limited: boolean;
  /** bytes */
  used_traffic: number;
  /** bytes */
  traffic_limit: number;
  lifecycle_status: 'Active' | 'Deleting';
  name: string | null;
  notes: string | null;
  sub_user_group_id: string | null;
  created_at: string;
  suspended_at: string | null;
}

export interface ProxyhatGroup {
  id: string;
  name: string;
  description: string | null;
  sub_users_count: number;
  created_at: string;
}

/** A group as the API answers it, with its member sub-users. */
export interface ProxyhatGroupView extends ProxyhatGroup {
  sub_users: ProxyhatSubUser[];
}

/** Validated create/update input (absent = not sent); traffic_limit already in bytes. */
export interface ProxyhatSubUserInput {
  proxy_password?: string;
  is_traffic_limited?: boolean;
  traffic_limit?: number;
  name?: string | null;
  notes?: string | null;
  sub_user_group_id?: string | null;
}

export interface ProxyhatGroupInput {
  name?: string;
  description?: string | null;
}

export type { LaravelErrors } from '../laravel';
