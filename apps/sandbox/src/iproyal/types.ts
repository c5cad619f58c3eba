/** Exactly the fields of IPRoyal's SubuserResource; traffic in GB. */
export interface IproyalSubuser {
  /** Legacy integer id ("to be removed"): paths use `hash`. */
  id: number;
  hash: string;
  username: string;
  password: string;
  traffic_available: number;
  traffic_used: number;
}

/** The optional `limits` of a create body; units are not documented, so they are only stored. */
export interface IproyalLimits {
  daily_limit: number | null;
  monthly_limit: number | null;
  lifetime_limit: number | null;
}

/** Validated create/update input (absent = not sent); traffic already in bytes. */
export interface IproyalSubuserInput {
  username?: string;
  password?: string;
  trafficBytes?: number;
  limits?: IproyalLimits | null;
}

/** What /__sandbox/state shows: the object, the stored limits and the exact byte counts. */
export interface IproyalStateEntry extends IproyalSubuser {
  limits: IproyalLimits | null;
  traffic_available_bytes: number;
  traffic_used_bytes: number;
}

/** `GET /me` */
export interface IproyalMe {
  available_traffic: number;
  subusers_count: number;
  residential_user_hash: string;
}
