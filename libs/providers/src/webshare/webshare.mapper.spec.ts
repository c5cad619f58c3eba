import fc from 'fast-check';
import { DomainValidationError, UnsupportedByProviderError, echoMatches } from '@app/domain';
import { EDGE_CHARACTERS, javascriptTrim, pythonStrip } from '../testing/provider-text';
import refreshResponse from './__fixtures__/refresh-response.json';
import subUser from './__fixtures__/subuser.json';
import { toDomain, toExpectedEcho, toProviderCreate, toProviderUpdate } from './webshare.mapper';
import type { WebshareSubUser } from './webshare.types';

const GB = 1024 ** 3;

describe('webshare mapper: toDomain on the documented sub-user object', () => {
  it('normalizes every field of the example', () => {
    expect(toDomain(subUser as WebshareSubUser)).toEqual({
      provider: 'webshare',
      providerSubUserId: '7',
      name: 'Test User',
      notes: null,
      status: 'active',
      providerStatus: null,
      traffic: {
        limitBytes: 10 * GB,
        usedBytes: 5000,
        periodStart: '2019-06-10T06:34:00.095Z',
        periodEnd: '2019-07-10T06:34:00.095Z',
      },
      maxConcurrency: 500,
      countries: { ZZ: 1000 },
      groupId: null,
      proxyUsername: null,
      stats: {
        bandwidthTotalBytes: 5000,
        bandwidthProjectedBytes: 100000,
        bandwidthAverageBytes: 1000,
        requestsTotal: 5,
        requestsSuccessful: 4,
        requestsFailed: 1,
        errorReasons: [
          {
            reason: 'client_connect_forbidden_host',
            type: 'configuration',
            howToFix: 'The target website you are connecting cannot be accessed via Webshare Proxy.',
            httpStatus: 403,
            count: 1,
          },
        ],
        countriesUsed: { GB: 1, FR: 4 },
        numberOfProxiesUsed: 2,
        protocolsUsed: { http: 5 },
        averageConcurrency: 0.0001388888888888889,
        averageRps: 0.0002777777777777778,
        lastRequestAt: '2022-08-12T00:12:32.589Z',
      },
      createdAt: '2019-06-10T06:34:00.095Z',
      updatedAt: '2019-06-10T06:34:00.095Z',
    });
  });

  it('reads the refresh answer (the same object) the same way', () => {
    expect(toDomain(refreshResponse as WebshareSubUser)).toEqual(toDomain(subUser as WebshareSubUser));
  });

  it('maps proxy_limit 0 to unlimited and tolerates missing stats and dates', () => {
    const raw: WebshareSubUser = {
      id: 8,
      label: 'x',
      proxy_countries: null,
      proxy_limit: 0,
      max_thread_count: 10,
      aggregate_stats: null,
      created_at: null,
      updated_at: null,
    };
    const domain = toDomain(raw);
    expect(domain.traffic).toEqual({ limitBytes: null, usedBytes: null, periodStart: null, periodEnd: null });
    expect(domain.stats).toBeNull();
    expect(domain.countries).toBeNull();
  });

  it('rounds a fractional GB limit to whole bytes', () => {
    expect(toDomain({ ...(subUser as WebshareSubUser), proxy_limit: 0.1 }).traffic.limitBytes).toBe(
      107374182,
    );
  });
});

describe('webshare mapper: toProvider', () => {
  it('writes the create body in Webshare terms (GB float) and leaves notes to the gateway', () => {
    expect(
      toProviderCreate({
        name: 'Test User',
        notes: 'kept by the gateway',
        trafficLimitBytes: 10 * GB,
        maxConcurrency: 500,
        countries: { ZZ: 1000 },
      }),
    ).toEqual({ label: 'Test User', proxy_limit: 10, max_thread_count: 500, proxy_countries: { ZZ: 1000 } });
    expect(toProviderCreate({ trafficLimitBytes: 1536 * 1024 ** 2 })).toEqual({ proxy_limit: 1.5 });
  });

  it('PATCH: absent stays, null limit is 0 (unlimited), null countries disables the custom list', () => {
    expect(toProviderUpdate({})).toEqual({});
    expect(toProviderUpdate({ trafficLimitBytes: null, countries: null })).toEqual({
      proxy_limit: 0,
      proxy_countries: null,
    });
    expect(toProviderUpdate({ notes: null })).toEqual({});
  });

  it('refuses fields Webshare has no place for', () => {
    expect(() => toProviderCreate({ groupId: 'g1' })).toThrow(UnsupportedByProviderError);
    expect(() => toProviderUpdate({ proxyPassword: 'secret-pass' })).toThrow(/proxyPassword/);
    expect(toProviderUpdate({ groupId: null })).toEqual({});
  });

  it('refuses a 0 limit', () => {
    expect(() => toProviderCreate({ trafficLimitBytes: 0 })).toThrow(DomainValidationError);
  });
});

describe('webshare expectedEcho', () => {
  it('is what Webshare holds: the label stripped, the limit as its GB float read back', () => {
    expect(
      toExpectedEcho({
        name: ' x \u200b',
        notes: 'the gateway keeps notes: not an echo of Webshare',
        trafficLimitBytes: 1536 * 1024 ** 2 + 1,
        maxConcurrency: 25,
        countries: { US: 5, ZZ: 2 },
      }),
    ).toEqual({
      name: 'x',
      trafficLimitBytes: 1536 * 1024 ** 2 + 1,
      maxConcurrency: 25,
      countries: { US: 5, ZZ: 2 },
    });
    expect(toExpectedEcho({ trafficLimitBytes: null, countries: null })).toEqual({
      trafficLimitBytes: null,
      countries: null,
    });
    expect(toExpectedEcho({})).toEqual({});
    expect(() => toExpectedEcho({ groupId: 'g1' })).toThrow(UnsupportedByProviderError);
  });

  it('sends the label stripped, so Webshare stores what was sent ("x " is listed as "x")', () => {
    expect(toProviderCreate({ name: 'x ' })).toEqual({ label: 'x' });
    expect(toProviderUpdate({ name: '\tnew label\u0085' })).toEqual({ label: 'new label' });
  });

  /** Webshare after a create, modelled: DRF strips the label; proxy_limit is a stored double. */
  function webshareModel(body: ReturnType<typeof toProviderCreate>, strip: (text: string) => string) {
    return toDomain({
      ...(subUser as WebshareSubUser),
      label: body.label === undefined ? 'default' : strip(body.label),
      proxy_limit: JSON.parse(JSON.stringify(body.proxy_limit ?? 0)) as number,
      max_thread_count: body.max_thread_count ?? 500,
      proxy_countries: body.proxy_countries === undefined ? { ZZ: 1000 } : body.proxy_countries,
    });
  }

  it('property: the echo matches what Webshare holds, whichever whitespace it strips', () => {
    const label = fc.array(fc.constantFrom(...EDGE_CHARACTERS), { maxLength: 10 }).map((c) => c.join(''));
    const input = fc.record(
      {
        name: fc.oneof(label, fc.string({ maxLength: 40 })),
        trafficLimitBytes: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
        maxConcurrency: fc.integer({ min: 1, max: 10_000 }),
        countries: fc.option(fc.dictionary(fc.stringMatching(/^[A-Z]{2}$/), fc.nat({ max: 1000 })), {
          nil: null,
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (create) => {
        const echo = toExpectedEcho(create);
        const body = toProviderCreate(create);
        expect(echoMatches(echo, webshareModel(body, pythonStrip))).toBe(true);
        expect(echoMatches(echo, webshareModel(body, javascriptTrim))).toBe(true);
      }),
    );
  });
});
