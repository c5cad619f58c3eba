import { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { PipelineContext, ProviderCall, ProviderProtocol, providerRoute } from '../provider-pipeline';
import { webshareDateTime } from '../time-format';
import { WEBSHARE_PREFIX } from './prefix';
import { parseId, withPlan } from './plan-params';
import { drfNotFound } from './protocol';
import { webshareJson } from './serialize';
import { WebshareStore } from './store';
import { WebshareProxyCredentials, WebshareSubuser } from './types';

/**
 * The full proxy config object (`GET /api/v2/proxy/config/`, Webshare's docs, with the fields
 * the official SDKs' ProxyConfigObject adds: ip_authorization_city/_state/_postalcode/_asn and
 * is_proxy_used). Sandbox plans behave like residential plans, whose ip ranges and ASNs the
 * SDKs document as empty.
 */
export interface WebshareProxyConfig {
  id: number;
  state: 'completed';
  countries: Record<string, number>;
  available_countries: Record<string, number>;
  unallocated_countries: Record<string, number>;
  ip_ranges_24: Record<string, number>;
  ip_ranges_16: Record<string, number>;
  ip_ranges_8: Record<string, number>;
  available_ip_ranges_24: Record<string, number>;
  available_ip_ranges_16: Record<string, number>;
  available_ip_ranges_8: Record<string, number>;
  asns: Record<string, [string, number]>;
  available_asns: Record<string, [string, number]>;
  username: string;
  password: string;
  request_timeout: number;
  request_idle_timeout: number;
  ip_authorization_country_codes: string[] | null;
  ip_authorization_city: string | null;
  ip_authorization_state: string | null;
  ip_authorization_postalcode: string | null;
  ip_authorization_asn: string | null;
  auto_replace_invalid_proxies: boolean;
  auto_replace_low_country_confidence_proxies: boolean;
  auto_replace_out_of_rotation_proxies: boolean;
  auto_replace_failed_site_check_proxies: boolean;
  proxy_list_download_token: string;
  is_proxy_used: boolean;
  created_at: string;
  updated_at: string;
}

/** The main account's proxy list; a sub-user without a custom list (proxy_countries null) uses it. */
const ACCOUNT_COUNTRIES: Record<string, number> = { US: 10, GB: 5, DE: 5 };
const ACCOUNT_CONFIG_CREATED = webshareDateTime(Date.UTC(2024, 0, 15, 12, 0, 0), 501);

/** The v3 `GET /api/v3/proxy/config` subset (webshare-node ProxyConfigV3, webshare-python ProxyListConfig). */
const V3_CONFIG_FIELDS = [
  'request_timeout',
  'request_idle_timeout',
  'ip_authorization_country_codes',
  'ip_authorization_city',
  'ip_authorization_state',
  'ip_authorization_postalcode',
  'ip_authorization_asn',
  'auto_replace_invalid_proxies',
  'auto_replace_low_country_confidence_proxies',
  'auto_replace_out_of_rotation_proxies',
  'auto_replace_failed_site_check_proxies',
  'proxy_list_download_token',
] as const;
/** `GET /api/v3/proxy/list/status` (SDKs' ProxyListStatus): where the SDKs read the proxy login. */
const V3_STATUS_FIELDS = [
  'state',
  'countries',
  'unallocated_countries',
  'username',
  'password',
  'is_proxy_used',
] as const;
/** `GET /api/v3/proxy/list/stats` (SDKs' ProxyListStats). */
const V3_STATS_FIELDS = [
  'available_countries',
  'ip_ranges_24',
  'ip_ranges_16',
  'ip_ranges_8',
  'available_ip_ranges_24',
  'available_ip_ranges_16',
  'available_ip_ranges_8',
  'asns',
  'available_asns',
] as const;

/**
 * The masquerade reads: v2 proxy config (plan_id optional) and the v3 config, list status and
 * list stats the official SDKs use (plan_id required, no trailing slash). With `X-Subuser: <id>`
 * each answers for that sub-user of the plan (404 when the plan has no such sub-user), without
 * it for the main account.
 */
export function registerWebshareProxyConfigRoutes(
  app: FastifyInstance,
  context: PipelineContext,
  protocol: ProviderProtocol,
  store: WebshareStore,
): void {
  const read = (path: string, required: boolean, fields?: readonly (keyof WebshareProxyConfig)[]) =>
    app.get(
      `${WEBSHARE_PREFIX}${path}`,
      providerRoute<Record<string, string>>(context, protocol, 'proxyConfig', (call) =>
        withPlan(
          call,
          (planId) => {
            const config = configFor(store, call, planId);
            if (config === undefined) return drfNotFound();
            return { status: 200, body: webshareJson(fields === undefined ? config : pick(config, fields)) };
          },
          required,
        ),
      ),
    );
  read('/api/v2/proxy/config/', false);
  read('/api/v3/proxy/config', true, V3_CONFIG_FIELDS);
  read('/api/v3/proxy/list/status', true, V3_STATUS_FIELDS);
  read('/api/v3/proxy/list/stats', true, V3_STATS_FIELDS);
}

function configFor(
  store: WebshareStore,
  call: ProviderCall,
  planId: number | null,
): WebshareProxyConfig | undefined {
  const header = call.request.headers['x-subuser'];
  if (header === undefined) {
    const credentials = store.accountCredentials(call.key);
    return credentials === undefined ? undefined : accountConfig(call.key, credentials);
  }
  const id = parseId(Array.isArray(header) ? header[0] : header);
  if (id === null) return undefined;
  const subuser = store.get(call.key, planId, id);
  const credentials = store.credentialsOf(call.key, planId, id);
  return subuser === undefined || credentials === undefined ? undefined : subuserConfig(subuser, credentials);
}

function subuserConfig(subuser: WebshareSubuser, credentials: WebshareProxyCredentials): WebshareProxyConfig {
  // One proxy config per sub-user: it shares the sub-user's id and lifetime.
  return configObject(credentials, {
    id: subuser.id,
    countries: { ...(subuser.proxy_countries ?? ACCOUNT_COUNTRIES) },
    is_proxy_used: subuser.aggregate_stats.requests_total > 0,
    created_at: subuser.created_at,
    updated_at: subuser.updated_at,
  });
}

function accountConfig(key: string, credentials: WebshareProxyCredentials): WebshareProxyConfig {
  return configObject(credentials, {
    id: Number.parseInt(createHash('sha1').update(`webshare-config:${key}`).digest('hex').slice(0, 7), 16),
    countries: { ...ACCOUNT_COUNTRIES },
    is_proxy_used: false,
    created_at: ACCOUNT_CONFIG_CREATED,
    updated_at: ACCOUNT_CONFIG_CREATED,
  });
}

type ConfigIdentity = Pick<
  WebshareProxyConfig,
  'id' | 'countries' | 'is_proxy_used' | 'created_at' | 'updated_at'
>;

/** The object in the docs' field order, with Webshare's defaults for a fresh config. */
function configObject(credentials: WebshareProxyCredentials, identity: ConfigIdentity): WebshareProxyConfig {
  return {
    id: identity.id,
    state: 'completed',
    countries: identity.countries,
    available_countries: {},
    unallocated_countries: {},
    ip_ranges_24: {},
    ip_ranges_16: {},
    ip_ranges_8: {},
    available_ip_ranges_24: {},
    available_ip_ranges_16: {},
    available_ip_ranges_8: {},
    asns: {},
    available_asns: {},
    username: credentials.username,
    password: credentials.password,
    request_timeout: 86400,
    request_idle_timeout: 900,
    ip_authorization_country_codes: [],
    ip_authorization_city: null,
    ip_authorization_state: null,
    ip_authorization_postalcode: null,
    ip_authorization_asn: null,
    auto_replace_invalid_proxies: true,
    auto_replace_low_country_confidence_proxies: false,
    auto_replace_out_of_rotation_proxies: true,
    auto_replace_failed_site_check_proxies: false,
    proxy_list_download_token: credentials.proxy_list_download_token,
    is_proxy_used: identity.is_proxy_used,
    created_at: identity.created_at,
    updated_at: identity.updated_at,
  };
}

function pick<T extends object, K extends keyof T>(object: T, fields: readonly K[]): Pick<T, K> {
  return Object.fromEntries(fields.map((field) => [field, object[field]])) as Pick<T, K>;
}
