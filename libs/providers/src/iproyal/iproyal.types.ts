/** Raw IPRoyal residential API v1 JSON (see shared/providers/iproyal.md). Traffic is in GB floats. */

/** SubuserResource. */
export interface IproyalSubUser {
  /** Legacy, "to be removed": never used, `hash` is the id. */
  id?: number;
  hash: string;
  username: string;
  /** The proxy password, in plain text in every answer. Never stored by the gateway. */
  password: string;
  /** GB still allocated to the sub-user (prepaid). */
  traffic_available: number;
  /** GB used. */
  traffic_used: number;
}

/** Laravel's LengthAwarePaginator as IPRoyal answers lists. */
export interface IproyalPage<T> {
  data: T[];
  meta: {
    current_page: number;
    from: number | null;
    last_page: number;
    path: string;
    per_page: number;
    to: number | null;
    total: number;
  };
}

/** `GET /me`: the main account. */
export interface IproyalMe {
  /** Unallocated prepaid traffic, GB. */
  available_traffic: number;
  subusers_count: number;
  residential_user_hash: string;
}

/** Create (all three required) and update (`PUT`, any of them; `traffic` SETS traffic_available). */
export interface IproyalSubUserWrite {
  username?: string | null;
  password?: string;
  /** GB. */
  traffic?: number;
}

/** Laravel error bodies: `{"message": "..."}`, with `errors: {field: [messages]}` on 422. */
export interface IproyalErrorBody {
  message?: string;
  errors?: Record<string, string[]>;
}
