import fc from 'fast-check';
import { DomainValidationError, UnsupportedByProviderError, echoMatches } from '@app/domain';
import giveTrafficResponse from './__fixtures__/give-traffic-response.json';
import listResponse from './__fixtures__/list-response.json';
import me from './__fixtures__/me.json';
import subUser from './__fixtures__/subuser.json';
import updateResponse from './__fixtures__/update-response.json';
import {
  allocationBytes,
  balanceBytes,
  bytesToIproyalGigabytes,
  generateCredentials,
  toDomain,
  toExpectedEcho,
  toProviderCreate,
  toProviderUpdate,
} from './iproyal.mapper';
import type { IproyalPage, IproyalSubUser } from './iproyal.types';

const GB = 1024 ** 3;
/** 128 TiB (2^17 GB): past it a double's rounding error nears half a nano-GB (see the mapper). */
const MAX_EXACT_BYTES = 2 ** 47;

describe('iproyal mapper: toDomain on the documented SubuserResource', () => {
  const expected = {
    provider: 'iproyal',
    providerSubUserId: '02JVRQ5BF83PTW19G1SRD955J0',
    name: null,
    notes: null,
    status: 'active',
    providerStatus: null,
    traffic: { limitBytes: 10 * GB, usedBytes: 0, periodStart: null, periodEnd: null },
    maxConcurrency: null,
    countries: null,
    groupId: null,
    proxyUsername: 'subuser123',
    stats: null,
    createdAt: null,
    updatedAt: null,
    revealedPassword: 'securepassword',
  };

  it('normalizes every field of the example; the legacy id is never the id', () => {
    expect(toDomain(subUser as IproyalSubUser)).toEqual(expected);
  });

  it('reads the list page the same way', () => {
    const page = listResponse as IproyalPage<IproyalSubUser>;
    expect(page.data.map(toDomain)).toEqual([expected]);
    expect(page.meta.last_page).toBe(1);
  });

  it('reports the documented update (traffic 5.0 sets 5 available) and give-traffic (10 + 5) answers', () => {
    expect(toDomain(updateResponse as IproyalSubUser).traffic.limitBytes).toBe(5 * GB);
    expect(toDomain(giveTrafficResponse as IproyalSubUser).traffic.limitBytes).toBe(15 * GB);
  });

  it('the allocation is available + used: usage does not change it', () => {
    const used = { ...(subUser as IproyalSubUser), traffic_available: 9.7, traffic_used: 0.3 };
    expect(toDomain(used).traffic).toEqual({
      limitBytes: 10 * GB,
      usedBytes: Math.round(0.3 * GB),
      periodStart: null,
      periodEnd: null,
    });
  });
});

describe('iproyal mapper: the account', () => {
  it('reads GET /me available_traffic (GB) as the balance in bytes', () => {
    expect(balanceBytes(me)).toBe(Math.round(32.6 * GB));
    expect(balanceBytes(me)).toBe(35003983462);
  });
});

describe('iproyal mapper: toProvider', () => {
  it('writes the create body in GB with the caller credentials, the username stripped', () => {
    expect(
      toProviderCreate({
        name: 'kept by the gateway',
        notes: 'kept by the gateway too',
        proxyUsername: '  subuser123 ',
        proxyPassword: 'securepassword',
        trafficLimitBytes: 10 * GB,
      }),
    ).toEqual({ username: 'subuser123', password: 'securepassword', traffic: 10 });
  });

  it('fills in generated credentials only where the caller gave none, and 0 GB when no amount', () => {
    const generated = { username: 'gwgenerated', password: 'GeneratedPass1' };
    expect(toProviderCreate({}, generated)).toEqual({
      username: 'gwgenerated',
      password: 'GeneratedPass1',
      traffic: 0,
    });
    expect(toProviderCreate({ proxyPassword: 'mine12' }, generated).password).toBe('mine12');
    const { username, password } = generateCredentials();
    // Letters and digits only: IPRoyal reads proxy options after `_` and `-` in the password.
    expect(username).toMatch(/^gw[a-z0-9]{14}$/);
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(generateCredentials().password).not.toBe(password);
  });

  it('refuses unlimited traffic with VALIDATION_FAILED on the API field, before anything is sent', () => {
    for (const write of [
      () => toProviderCreate({ trafficLimitBytes: null }),
      () => toProviderUpdate({ trafficLimitBytes: null }, 0),
    ]) {
      expect(write).toThrow(DomainValidationError);
      expect(write).toThrow(
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          status: 422,
          fieldErrors: [{ field: 'trafficLimit', message: expect.stringMatching(/cannot be unlimited/) }],
        }),
      );
    }
  });

  it('refuses fields IPRoyal has no place for', () => {
    expect(() => toProviderCreate({ maxConcurrency: 5 })).toThrow(UnsupportedByProviderError);
    expect(() => toProviderCreate({ countries: { US: 1 } })).toThrow(/countries/);
    expect(() => toProviderUpdate({ groupId: 'g' })).toThrow(/groupId/);
    expect(toProviderUpdate({ groupId: null, name: 'gateway-kept', notes: null })).toEqual({});
  });

  it('PUT sets available = allocation − used, and refuses an allocation below what is used', () => {
    expect(toProviderUpdate({ trafficLimitBytes: 10 * GB }, 3 * GB)).toEqual({ traffic: 7 });
    expect(toProviderUpdate({ trafficLimitBytes: 3 * GB }, 3 * GB)).toEqual({ traffic: 0 });
    expect(toProviderUpdate({ proxyPassword: 'newpass1', proxyUsername: 'renamed' })).toEqual({
      password: 'newpass1',
      username: 'renamed',
    });
    expect(() => toProviderUpdate({ trafficLimitBytes: 2 * GB }, 3 * GB)).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        fieldErrors: [
          { field: 'trafficLimit', message: expect.stringContaining(`already used ${3 * GB} bytes`) },
        ],
      }),
    );
  });

  it('sends GB rounded to 9 decimals: at most one byte off, and read back exactly as sent', () => {
    expect(bytesToIproyalGigabytes(10 * GB)).toBe(10);
    expect(bytesToIproyalGigabytes(GB + 1)).toBe(1.000000001);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_EXACT_BYTES }), (bytes) => {
        const sent = bytesToIproyalGigabytes(bytes);
        const read = allocationBytes({ traffic_available: sent, traffic_used: 0 });
        expect(Math.abs(read - bytes)).toBeLessThanOrEqual(1);
        // A provider keeping 9 decimals stores and answers the same number.
        expect(bytesToIproyalGigabytes(read)).toBe(sent);
      }),
    );
  });
});

describe('iproyal expectedEcho', () => {
  it('holds the stripped username, the caller password and the allocation as sent', () => {
    expect(
      toExpectedEcho({
        name: 'gateway-kept',
        proxyUsername: '\u00a0alice01\t',
        proxyPassword: 'pw123456',
        trafficLimitBytes: GB + 1,
      }),
    ).toEqual({ proxyUsername: 'alice01', proxyPassword: 'pw123456', trafficLimitBytes: GB + 1 });
    expect(toExpectedEcho({ name: 'only a name' })).toEqual({});
    expect(() => toExpectedEcho({ trafficLimitBytes: null })).toThrow(DomainValidationError);
  });

  /** What the provider holds after the create, modelled: Laravel trims strings but passwords. */
  function iproyalModel(body: ReturnType<typeof toProviderCreate>, hash: string): IproyalSubUser {
    const storedBytes = Math.round((body.traffic ?? 0) * GB);
    return {
      hash,
      username: (body.username ?? '').trim(),
      password: body.password ?? '',
      traffic_available: Math.round((storedBytes / GB) * 1e9) / 1e9,
      traffic_used: 0,
    };
  }

  it('property: the echo matches what IPRoyal reports for that create', () => {
    const input = fc.record(
      {
        proxyUsername: fc.stringMatching(/^\s{0,2}[A-Za-z0-9]{3,20}\s{0,2}$/),
        proxyPassword: fc.stringMatching(/^[A-Za-z0-9]{6,30}$/),
        trafficLimitBytes: fc.integer({ min: 0, max: MAX_EXACT_BYTES }),
        name: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (create) => {
        const reported = toDomain(iproyalModel(toProviderCreate(create, generateCredentials()), 'h1'));
        expect(echoMatches(toExpectedEcho(create), reported)).toBe(true);
      }),
    );
  });
});
