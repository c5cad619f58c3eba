// Named examples of the sub-user operations, one per provider. Request bodies work as they are
// against the demo (`npm start`: each provider's sandbox account is its default, so `provider`
// names the account; no ids are made up); answers are what the demo answered for them (the
// browser test executes the request examples from Swagger UI, the contract tests validate every
// example against its schema).

export interface NamedExample {
  summary: string;
  description?: string;
  value: unknown;
}

/** `POST /v1/sub-users`: one body per provider, each only with fields that provider holds. */
export const CREATE_SUB_USER_EXAMPLES: Record<string, NamedExample> = {
  webshare: {
    summary: 'Webshare: traffic limit, concurrency, countries',
    description:
      'Webshare holds the name (label), traffic limit, max concurrency and proxy countries; the gateway keeps notes and metadata.',
    value: {
      provider: 'webshare',
      name: 'customer-42-webshare',
      notes: 'Reseller order #1042',
      trafficLimit: '5GB',
      maxConcurrency: 100,
      countries: { US: 10, ZZ: 5 },
      metadata: { customerId: 'c-42' },
    },
  },
  proxyhat: {
    summary: 'ProxyHat: traffic limit, notes, proxy password',
    description:
      'ProxyHat holds the name, notes, traffic limit, proxy password (generated when absent) and group; it assigns the proxy username.',
    value: {
      provider: 'proxyhat',
      name: 'customer-42-proxyhat',
      notes: 'Reseller order #1042',
      trafficLimit: '5GB',
      proxyPassword: 'S3cure-proxy-pass',
      metadata: { customerId: 'c-42' },
    },
  },
  iproyal: {
    summary: 'IPRoyal: prepaid traffic (from the account balance)',
    description:
      'IPRoyal traffic is prepaid: trafficLimit moves that much of the account balance to the sub-user (never unlimited). Username and password are generated when absent; the gateway keeps name and notes.',
    value: {
      provider: 'iproyal',
      name: 'customer-42-iproyal',
      notes: 'Reseller order #1042',
      trafficLimit: '1GB',
      metadata: { customerId: 'c-42' },
    },
  },
};

/** `PATCH /v1/sub-users/{id}`: one change per provider (use the id of a sub-user of that provider). */
export const UPDATE_SUB_USER_EXAMPLES: Record<string, NamedExample> = {
  webshare: {
    summary: 'Webshare: more traffic, concurrency and countries',
    value: {
      trafficLimit: '10GB',
      maxConcurrency: 200,
      countries: { US: 20, DE: 5 },
      metadata: { plan: 'gold' },
    },
  },
  proxyhat: {
    summary: 'ProxyHat: unlimited traffic, new notes, out of its group',
    value: {
      trafficLimit: null,
      notes: 'Moved to the yearly plan',
      groupId: null,
      metadata: { plan: 'gold' },
    },
  },
  iproyal: {
    summary: 'IPRoyal: top up the prepaid traffic',
    value: { trafficLimit: '2GB', notes: 'Topped up', metadata: { plan: 'gold' } },
  },
  tags: {
    summary: 'Any provider: rename, and change tags (null removes a tag)',
    value: { name: 'customer-42-renamed', metadata: { plan: 'gold', obsolete: null } },
  },
};

const WEBSHARE_SUB_USER = {
  id: '87efefb5-768a-4491-8af0-e779f6423195',
  provider: 'webshare',
  providerAccountId: '724f2495-fbd3-4b21-9264-1ec244ab8428',
  providerSubUserId: '60449167526431',
  tenantId: 'default',
  name: 'customer-42-webshare',
  notes: 'Reseller order #1042',
  status: 'active',
  providerStatus: null,
  traffic: {
    limitBytes: 5368709120,
    usedBytes: 0,
    periodStart: '2026-12-01T15:26:07.526Z',
    periodEnd: '2027-01-01T15:26:07.526Z',
    lifetimeUsedBytes: 0,
  },
  suspension: null,
  maxConcurrency: 100,
  countries: { US: 10, ZZ: 5 },
  groupId: null,
  proxyUsername: null,
  stats: {
    bandwidthTotalBytes: 0,
    bandwidthProjectedBytes: 0,
    bandwidthAverageBytes: 0,
    requestsTotal: 0,
    requestsSuccessful: 0,
    requestsFailed: 0,
    errorReasons: [],
    countriesUsed: {},
    numberOfProxiesUsed: 0,
    protocolsUsed: {},
    averageConcurrency: 0,
    averageRps: 0,
    lastRequestAt: null,
  },
  metadata: { customerId: 'c-42' },
  isDefault: false,
  createdAt: '2026-12-01T15:26:07.465Z',
  updatedAt: '2026-12-01T15:26:07.528Z',
  syncedAt: '2026-12-01T15:26:07.528Z',
};

const PROXYHAT_SUB_USER = {
  id: '13f6163d-5b4d-491a-b62e-33989ae321f5',
  provider: 'proxyhat',
  providerAccountId: 'b312796d-ba8e-4b7c-826d-522b30460616',
  providerSubUserId: 'd5d65a48-a391-4cf6-a077-60cb8693ea36',
  tenantId: 'default',
  name: 'customer-42-proxyhat',
  notes: 'Reseller order #1042',
  status: 'active',
  providerStatus: 'Active',
  traffic: { limitBytes: 5368709120, usedBytes: 0, periodStart: null, periodEnd: null, lifetimeUsedBytes: 0 },
  suspension: null,
  maxConcurrency: null,
  countries: null,
  groupId: null,
  proxyUsername: 'user_a81gomgsmd',
  stats: null,
  metadata: { customerId: 'c-42' },
  isDefault: false,
  createdAt: '2026-12-01T15:26:07.597Z',
  updatedAt: '2026-12-01T15:26:07.608Z',
  syncedAt: '2026-12-01T15:26:07.608Z',
};

const IPROYAL_SUB_USER = {
  id: 'cae52208-746b-4c1c-bff8-76f146499ec6',
  provider: 'iproyal',
  providerAccountId: '81aade5b-6376-44ff-a81d-ab2f380c3356',
  providerSubUserId: '01M8S3D58XHND0K30879PFRWNK',
  tenantId: 'default',
  name: 'customer-42-iproyal',
  notes: 'Reseller order #1042',
  status: 'active',
  providerStatus: null,
  traffic: { limitBytes: 1073741824, usedBytes: 0, periodStart: null, periodEnd: null, lifetimeUsedBytes: 0 },
  suspension: null,
  maxConcurrency: null,
  countries: null,
  groupId: null,
  proxyUsername: 'sgw43ussykpm73yn',
  stats: null,
  metadata: { customerId: 'c-42' },
  isDefault: false,
  createdAt: '2026-12-01T15:26:07.636Z',
  updatedAt: '2026-12-01T15:26:07.646Z',
  syncedAt: '2026-12-01T15:26:07.646Z',
};

/** A sub-user of each provider, as GET, PATCH and DELETE answer it. */
export const SUB_USER_EXAMPLES: Record<string, NamedExample> = {
  webshare: { summary: 'A Webshare sub-user', value: WEBSHARE_SUB_USER },
  proxyhat: { summary: 'A ProxyHat sub-user', value: PROXYHAT_SUB_USER },
  iproyal: { summary: 'An IPRoyal sub-user', value: IPROYAL_SUB_USER },
};

/** What each create example answers (the password only in this answer, where the provider has one). */
export const CREATED_SUB_USER_EXAMPLES: Record<string, NamedExample> = {
  webshare: { summary: 'Created on Webshare', value: WEBSHARE_SUB_USER },
  proxyhat: {
    summary: 'Created on ProxyHat (with its proxy password)',
    value: { ...PROXYHAT_SUB_USER, proxyPassword: 'S3cure-proxy-pass' },
  },
  iproyal: {
    summary: 'Created on IPRoyal (with its generated proxy password)',
    value: { ...IPROYAL_SUB_USER, proxyPassword: '9gN3HJkKyheK4y7wCirH' },
  },
};

export const SUB_USER_PAGE_EXAMPLES: Record<string, NamedExample> = {
  page: {
    summary: 'Sub-users tagged customerId=c-42 (limit=2)',
    value: {
      items: [IPROYAL_SUB_USER, PROXYHAT_SUB_USER],
      nextCursor:
        'eyJjIjoiMjAyNi0xMi0wMVQxNToyNjowNy41OTdaIiwiaSI6IjEzZjYxNjNkLTViNGQtNDkxYS1iNjJlLTMzOTg5YWUzMjFmNSJ9',
    },
  },
};

export const CREDENTIALS_EXAMPLES: Record<string, NamedExample> = {
  webshare: {
    summary: 'Webshare (the masqueraded proxy configuration; HTTP and SOCKS5)',
    value: {
      username: 'sjsaftaz',
      password: 'zceeu18c8nvf',
      host: 'p.webshare.io',
      ports: { http: 80, socks5: 1080 },
      proxyUrls: [
        'http://sjsaftaz:zceeu18c8nvf@p.webshare.io:80',
        'socks5://sjsaftaz:zceeu18c8nvf@p.webshare.io:1080',
      ],
    },
  },
  proxyhat: {
    summary: 'ProxyHat',
    value: {
      username: 'user_a81gomgsmd',
      password: 'S3cure-proxy-pass',
      host: 'gate.proxyhat.com',
      ports: { http: 8080 },
      proxyUrls: ['http://user_a81gomgsmd:S3cure-proxy-pass@gate.proxyhat.com:8080'],
    },
  },
  iproyal: {
    summary: 'IPRoyal',
    value: {
      username: 'sgw43ussykpm73yn',
      password: '9gN3HJkKyheK4y7wCirH',
      host: 'geo.iproyal.com',
      ports: { http: 12321 },
      proxyUrls: ['http://sgw43ussykpm73yn:9gN3HJkKyheK4y7wCirH@geo.iproyal.com:12321'],
    },
  },
};
