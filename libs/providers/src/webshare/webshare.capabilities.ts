import type { ProviderDescription } from '@app/domain';

/** Webshare's published limit: 240 requests per minute (60 on the proxy list). */
export const WEBSHARE_RATE_LIMIT_PER_MINUTE = 240;

export const WEBSHARE_DESCRIPTION: ProviderDescription = {
  displayName: 'Webshare',
  defaultBaseUrl: 'https://proxy.webshare.io',
  capabilities: {
    notes: 'gateway',
    bulkDelete: 'emulated',
    refreshProxyList: true,
    credentials: 'masquerade',
    resetUsage: false,
    setPassword: false,
    groups: false,
    maxConcurrency: true,
    countries: true,
    trafficLimit: true,
    trafficModel: 'limit',
    unlimitedTraffic: true,
    balance: false,
    // No documented switch: the gateway lowers the limit to what is used, and restores it.
    suspend: 'emulated',
    asyncDelete: false,
    pagination: 'pages',
    rateLimitPerMinute: WEBSHARE_RATE_LIMIT_PER_MINUTE,
  },
  fields: {
    name: { support: 'native', description: 'label (Webshare strips surrounding whitespace)' },
    notes: { support: 'gateway', description: 'Webshare has no notes field: the gateway keeps them' },
    trafficLimitBytes: { support: 'native', description: 'proxy_limit (GB float, 0 = unlimited)' },
    maxConcurrency: { support: 'native', description: 'max_thread_count' },
    countries: { support: 'native', description: 'proxy_countries' },
    groupId: { support: 'unsupported', description: 'Webshare has no sub-user groups' },
    proxyUsername: {
      support: 'unsupported',
      description: 'Webshare assigns the proxy username (read it with getCredentials)',
    },
    proxyPassword: {
      support: 'unsupported',
      description: 'credentials come from the masqueraded proxy config (X-Subuser)',
    },
  },
};
