import fc from 'fast-check';
import { BYTES_PER_MB, parseTrafficAmount } from '@app/domain';
import * as proxyhat from './proxyhat/proxyhat.mapper';
import type { ProxyhatSubUser } from './proxyhat/proxyhat.types';
import * as webshare from './webshare/webshare.mapper';
import type { WebshareSubUser } from './webshare/webshare.types';

/*
 * Models of what each provider does with what we send, so the properties check the whole trip:
 * gateway bytes → mapper → provider's own interpretation → what the provider reports → toDomain.
 */

/** Webshare stores proxy_limit as a float of GB and answers it back as JSON. */
function webshareRoundTrip(limitBytes: number): number | null {
  const sent = webshare.toProviderUpdate({ trafficLimitBytes: limitBytes });
  const stored = JSON.parse(JSON.stringify(sent.proxy_limit)) as number;
  return webshare.toDomain({ ...baseWebshare, proxy_limit: stored }).traffic.limitBytes;
}

/** ProxyHat parses the human string with 1024-based units, rounding to whole bytes, and reports bytes. */
function proxyhatInterpret(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*$/i.exec(text);
  if (!match) throw new Error(`ProxyHat would refuse ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }[
    (match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb' | 'tb'
  ];
  return Math.round(Number(match[1]) * unit);
}

function proxyhatRoundTrip(limitBytes: number): number | null {
  const sent = proxyhat.toProviderUpdate({ trafficLimitBytes: limitBytes });
  const stored = proxyhatInterpret(sent.traffic_limit ?? '');
  return proxyhat.toDomain({ ...baseProxyhat, is_traffic_limited: true, traffic_limit: stored }).traffic
    .limitBytes;
}

const baseWebshare: WebshareSubUser = {
  id: 1,
  label: 'x',
  proxy_countries: null,
  proxy_limit: 0,
  max_thread_count: 1,
  created_at: null,
  updated_at: null,
};

const baseProxyhat: ProxyhatSubUser = {
  uuid: 'u',
  proxy_username: 'p',
  is_default_user: false,
  is_traffic_limited: false,
  used_traffic: 0,
  traffic_limit: null,
  lifecycle_status: 'Active',
  name: null,
  notes: null,
  sub_user_group_id: null,
  created_at: null,
};

const roundTrips = { webshare: webshareRoundTrip, proxyhat: proxyhatRoundTrip };

describe.each(Object.entries(roundTrips))('%s traffic round trip', (_provider, roundTrip) => {
  it('property: any whole number of MB comes back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Math.floor(Number.MAX_SAFE_INTEGER / BYTES_PER_MB) }), (mb) => {
        expect(roundTrip(mb * BYTES_PER_MB)).toBe(mb * BYTES_PER_MB);
      }),
    );
  });

  it('property: any whole number of bytes comes back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(roundTrip(bytes)).toBe(bytes);
      }),
    );
  });

  it('property: a decimal amount is rounded once, the same way every time, and the provider reports that rounding', () => {
    const amount = fc
      .tuple(
        fc.nat({ max: 10_000 }),
        fc.stringMatching(/^\d{1,4}$/),
        fc.constantFrom('B', 'KB', 'MB', 'GB', 'kb', 'Mb'),
      )
      .map(([whole, fraction, unit]) => `${whole}.${fraction}${unit}`)
      .filter((text) => parseTrafficAmount(text) > 0);
    fc.assert(
      fc.property(amount, (text) => {
        const bytes = parseTrafficAmount(text);
        expect(parseTrafficAmount(text)).toBe(bytes);
        expect(roundTrip(bytes)).toBe(bytes);
      }),
    );
  });
});

describe('ProxyHat would round a forwarded decimal string the way the gateway does', () => {
  // Up to 1000 units: beyond that, ProxyHat's float parsing could itself drift by a byte.
  it('property: parseTrafficAmount agrees with ProxyHat on amounts with up to 3 decimals', () => {
    const amount = fc
      .tuple(fc.nat({ max: 1_000 }), fc.nat({ max: 999 }), fc.constantFrom('B', 'KB', 'MB', 'GB'))
      .map(([whole, thousandths, unit]) => `${whole}.${String(thousandths).padStart(3, '0')}${unit}`);
    fc.assert(
      fc.property(amount, (text) => {
        expect(proxyhatInterpret(text)).toBe(parseTrafficAmount(text));
      }),
    );
  });
});
