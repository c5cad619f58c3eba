import fc from 'fast-check';
import {
  DomainValidationError,
  UnsupportedByProviderError,
  echoMatches,
  parseTrafficAmount,
} from '@app/domain';
import { EDGE_CHARACTERS, laravelTrim } from '../testing/provider-text';
import createResponse from './__fixtures__/create-response.json';
import getResponse from './__fixtures__/get-response.json';
import listResponse from './__fixtures__/list-response.json';
import updateResponse from './__fixtures__/update-response.json';
import {
  generateProxyPassword,
  toDomain,
  toExpectedEcho,
  toProviderCreate,
  toProviderUpdate,
  toStatus,
} from './proxyhat.mapper';
import type { ProxyhatSubUser } from './proxyhat.types';

const GB = 1024 ** 3;

describe('proxyhat mapper: toDomain on the documented payloads', () => {
  const expectedMain = {
    provider: 'proxyhat',
    providerSubUserId: '550e8400-e29b-41d4-a716-446655440000',
    name: 'Main proxy',
    notes: null,
    status: 'active',
    providerStatus: 'Active',
    traffic: { limitBytes: 5368709120, usedBytes: 1073741824, periodStart: null, periodEnd: null },
    maxConcurrency: null,
    countries: null,
    groupId: null,
    proxyUsername: 'user_abc123',
    stats: null,
    isDefault: false,
    createdAt: '2026-01-20T10:00:00.000Z',
    updatedAt: null,
  };

  it('normalizes every field of the list example', () => {
    expect(listResponse.payload.map((raw) => toDomain(raw as ProxyhatSubUser))).toEqual([expectedMain]);
  });

  it('normalizes the get example', () => {
    expect(toDomain(getResponse.payload as ProxyhatSubUser)).toEqual(expectedMain);
  });

  it('normalizes the create and update examples', () => {
    expect(toDomain(createResponse.payload as ProxyhatSubUser)).toEqual({
      ...expectedMain,
      providerSubUserId: '660f9500-f30c-52e5-b827-557766550000',
      name: 'My proxy user',
      proxyUsername: 'user_def456',
      traffic: { ...expectedMain.traffic, usedBytes: 0 },
      createdAt: '2026-01-25T14:30:00.000Z',
    });
    const updated = toDomain(updateResponse.payload as ProxyhatSubUser);
    expect(updated.name).toBe('Updated proxy user');
    expect(updated.traffic.limitBytes).toBe(10737418240);
  });

  it('reports an unlimited sub-user as limitBytes null whatever traffic_limit says', () => {
    const raw = { ...(getResponse.payload as ProxyhatSubUser), is_traffic_limited: false, traffic_limit: 0 };
    expect(toDomain(raw).traffic.limitBytes).toBeNull();
  });
});

describe('proxyhat status mapping', () => {
  it.each([
    ['Active', null, 'active'],
    ['Deleting', null, 'deleting'],
    ['Active', '2026-01-01T00:00:00Z', 'suspended'],
    ['Deleting', '2026-01-01T00:00:00Z', 'deleting'],
    ['Pending', null, 'provisioning'],
    ['Frozen-ish', null, 'unknown'],
    [null, null, 'unknown'],
  ])('%p (suspended_at %p) → %p', (lifecycle, suspendedAt, expected) => {
    expect(toStatus(lifecycle, suspendedAt)).toBe(expected);
  });

  it('keeps an unknown raw value and does not crash', () => {
    const raw = { ...(getResponse.payload as ProxyhatSubUser), lifecycle_status: 'Quarantined' };
    expect(toDomain(raw)).toMatchObject({ status: 'unknown', providerStatus: 'Quarantined' });
  });
});

describe('proxyhat mapper: toProvider', () => {
  it('writes 5368709120 bytes as "5GB", as in the documented create request', () => {
    expect(
      toProviderCreate({
        proxyPassword: 'securepass123',
        trafficLimitBytes: 5368709120,
        name: 'My proxy user',
      }),
    ).toEqual({
      proxy_password: 'securepass123',
      is_traffic_limited: true,
      traffic_limit: '5GB',
      name: 'My proxy user',
    });
  });

  it('uses the generated password only when none is given', () => {
    expect(toProviderCreate({}, 'generated-pass')).toEqual({ proxy_password: 'generated-pass' });
    expect(toProviderCreate({ proxyPassword: 'mine' }, 'generated-pass').proxy_password).toBe('mine');
    expect(generateProxyPassword()).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('create with unlimited traffic turns the limit off', () => {
    expect(toProviderCreate({ trafficLimitBytes: null, notes: 'n', groupId: 'g-1' })).toEqual({
      is_traffic_limited: false,
      notes: 'n',
      sub_user_group_id: 'g-1',
    });
  });

  it('PUT: only the fields given; null clears notes, group and the limit', () => {
    expect(toProviderUpdate({ name: 'Updated proxy user', trafficLimitBytes: 10 * GB })).toEqual({
      name: 'Updated proxy user',
      is_traffic_limited: true,
      traffic_limit: '10GB',
    });
    expect(toProviderUpdate({ notes: null, groupId: null, trafficLimitBytes: null })).toEqual({
      notes: null,
      sub_user_group_id: null,
      is_traffic_limited: false,
    });
    expect(toProviderUpdate({ trafficLimitBytes: 1536 * 1024 ** 2 }).traffic_limit).toBe('1536MB');
  });

  it('refuses fields ProxyHat has no place for, and a 0 limit', () => {
    expect(() => toProviderCreate({ maxConcurrency: 5 })).toThrow(UnsupportedByProviderError);
    expect(() => toProviderUpdate({ countries: { US: 1 } })).toThrow(/countries/);
    expect(() => toProviderUpdate({ trafficLimitBytes: 0 })).toThrow(DomainValidationError);
  });
});

describe('proxyhat revealed password', () => {
  it('a payload carrying proxy_password reports it as the transient revealedPassword', () => {
    const raw = { ...(getResponse.payload as ProxyhatSubUser), proxy_password: 'hat-secret-1' };
    expect(toDomain(raw).revealedPassword).toBe('hat-secret-1');
    expect(toDomain(getResponse.payload as ProxyhatSubUser)).not.toHaveProperty('revealedPassword');
  });
});

describe('proxyhat expectedEcho', () => {
  it('sends name and notes stripped, "" as null (Laravel would hold them so)', () => {
    expect(toProviderCreate({ name: ' My proxy user\u200b', notes: '   ' }, 'pw')).toEqual({
      proxy_password: 'pw',
      name: 'My proxy user',
      notes: null,
    });
    expect(toProviderUpdate({ notes: '\tsome notes ' })).toEqual({ notes: 'some notes' });
  });

  it('is what ProxyHat holds for the fields set, "5GB" read as bytes, the caller password included', () => {
    expect(
      toExpectedEcho({
        name: ' My proxy user ',
        notes: 'n',
        trafficLimitBytes: 5368709120,
        groupId: 'g-1',
        proxyPassword: 'securepass123',
      }),
    ).toEqual({
      name: 'My proxy user',
      notes: 'n',
      trafficLimitBytes: 5368709120,
      groupId: 'g-1',
      proxyPassword: 'securepass123',
    });
    expect(toExpectedEcho({ trafficLimitBytes: null, groupId: null })).toEqual({
      trafficLimitBytes: null,
      groupId: null,
    });
    // A password the driver generates is not known here.
    expect(toExpectedEcho({})).toEqual({});
    expect(() => toExpectedEcho({ countries: { US: 1 } })).toThrow(UnsupportedByProviderError);
  });

  /** ProxyHat after a create, modelled: it parses traffic_limit, may trim strings (Laravel) or not. */
  function proxyhatModel(
    body: ReturnType<typeof toProviderCreate>,
    text: (value: string | null | undefined) => string | null,
  ): ProxyhatSubUser {
    return {
      ...(createResponse.payload as ProxyhatSubUser),
      proxy_password: body.proxy_password ?? null,
      is_traffic_limited: body.is_traffic_limited ?? false,
      traffic_limit: body.traffic_limit === undefined ? 0 : parseTrafficAmount(body.traffic_limit),
      name: text(body.name),
      notes: text(body.notes),
      sub_user_group_id: body.sub_user_group_id ?? null,
    };
  }

  it('property: the echo matches what ProxyHat holds, whether or not it trims strings', () => {
    const edgeText = fc.array(fc.constantFrom(...EDGE_CHARACTERS), { maxLength: 10 }).map((c) => c.join(''));
    const input = fc.record(
      {
        name: fc.oneof(edgeText, fc.string({ maxLength: 40 })),
        notes: fc.oneof(edgeText, fc.string({ maxLength: 40 })),
        trafficLimitBytes: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
        groupId: fc.option(fc.uuid(), { nil: null }),
        proxyPassword: fc.stringMatching(/^[\x21-\x7e]{8,40}$/),
      },
      { requiredKeys: [] },
    );
    const asSent = (value: string | null | undefined) => value ?? null;
    const laravel = (value: string | null | undefined) => (value == null ? null : laravelTrim(value));
    fc.assert(
      fc.property(input, (create) => {
        const echo = toExpectedEcho(create);
        const body = toProviderCreate(create, 'generated-by-driver');
        expect(echoMatches(echo, toDomain(proxyhatModel(body, asSent)))).toBe(true);
        expect(echoMatches(echo, toDomain(proxyhatModel(body, laravel)))).toBe(true);
      }),
    );
  });
});
