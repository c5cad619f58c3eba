import fc from 'fast-check';
import { DomainValidationError } from './errors';
import {
  BYTES_PER_GB,
  BYTES_PER_MB,
  bytesToGigabytes,
  formatTrafficAmount,
  gigabytesToBytes,
  parseTrafficAmount,
  parseTrafficLimit,
  validateTrafficLimit,
} from './units';

const MAX_WHOLE_MB = Math.floor(Number.MAX_SAFE_INTEGER / BYTES_PER_MB);

describe('parseTrafficAmount', () => {
  it.each([
    ['5GB', 5 * BYTES_PER_GB],
    ['500MB', 500 * BYTES_PER_MB],
    ['1.5 GiB', 1.5 * BYTES_PER_GB],
    ['1024', 1024],
    ['10 kb', 10240],
    ['3b', 3],
    ['2TiB', 2 * 1024 ** 4],
    ['  7 Mib ', 7 * BYTES_PER_MB],
    ['1.3KB', 1331],
    ['0.5B', 1],
    ['0', 0],
  ])('parses %s', (input, expected) => {
    expect(parseTrafficAmount(input)).toBe(expected);
  });

  it('takes whole numbers as bytes', () => {
    expect(parseTrafficAmount(5368709120)).toBe(5368709120);
    expect(parseTrafficAmount(0)).toBe(0);
  });

  it.each([['-5GB'], ['abc'], [''], ['5 PB'], ['5GBs'], ['1e3'], ['9007199254740992'], ['8388608TB']])(
    'refuses %p',
    (input) => {
      expect(() => parseTrafficAmount(input)).toThrow(DomainValidationError);
    },
  );

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.MAX_SAFE_INTEGER + 2]])(
    'refuses the number %p',
    (input) => {
      expect(() => parseTrafficAmount(input)).toThrow(DomainValidationError);
    },
  );

  it('names the field in its error', () => {
    // toThrow fails the test when nothing is thrown (a try/catch with fail() could not: jest-circus has no fail).
    expect(() => parseTrafficAmount('lots', 'limit')).toThrow(DomainValidationError);
    expect(() => parseTrafficAmount('lots', 'limit')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ field: 'limit', message: expect.any(String) }],
      }),
    );
  });

  it('property: a whole number of any unit parses to that many units of 1024-based bytes', () => {
    const units: Array<[string, number]> = [
      ['B', 1],
      ['KB', 1024],
      ['MiB', BYTES_PER_MB],
      ['gb', BYTES_PER_GB],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...units),
        fc.nat({ max: 1_000_000 }),
        fc.boolean(),
        ([unit, size], n, space) => {
          expect(parseTrafficAmount(`${n}${space ? ' ' : ''}${unit}`)).toBe(n * size);
        },
      ),
    );
  });

  it('property: decimals round half up to whole bytes, the same way every time', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.nat({ max: 999 }), (whole, thousandths) => {
        const text = `${whole}.${String(thousandths).padStart(3, '0')}KB`;
        const exact = (whole * 1000 + thousandths) * 1024; // in thousandths of a byte
        const expected = Math.floor((exact * 2 + 1000) / 2000);
        expect(parseTrafficAmount(text)).toBe(expected);
        expect(parseTrafficAmount(text)).toBe(parseTrafficAmount(text.toLowerCase()));
      }),
    );
  });
});

describe('formatTrafficAmount', () => {
  it.each([
    [5368709120, '5GB'],
    [1536 * BYTES_PER_MB, '1536MB'],
    [1024 ** 4, '1TB'],
    [1000, '1000B'],
    [2048, '2KB'],
    [0, '0B'],
  ])('formats %d as %s', (bytes, expected) => {
    expect(formatTrafficAmount(bytes)).toBe(expected);
  });

  it('property: parse(format(bytes)) === bytes for every safe byte count', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (bytes) => {
        expect(parseTrafficAmount(formatTrafficAmount(bytes))).toBe(bytes);
      }),
    );
  });

  it('property: a whole number of MB is written as a whole number of MB or larger units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_WHOLE_MB }), (mb) => {
        expect(formatTrafficAmount(mb * BYTES_PER_MB)).toMatch(/^\d+(MB|GB|TB)$/);
      }),
    );
  });

  it('refuses fractions and negatives', () => {
    expect(() => formatTrafficAmount(1.5)).toThrow(DomainValidationError);
    expect(() => formatTrafficAmount(-1)).toThrow(DomainValidationError);
  });
});

describe('validateTrafficLimit / parseTrafficLimit', () => {
  it('accepts null (unlimited) and positive bytes', () => {
    expect(validateTrafficLimit(null)).toBeNull();
    expect(validateTrafficLimit(1)).toBe(1);
    expect(parseTrafficLimit('5GB')).toBe(5 * BYTES_PER_GB);
    expect(parseTrafficLimit(null)).toBeNull();
  });

  it('refuses 0 with a message that points to unlimited or suspend', () => {
    expect(() => validateTrafficLimit(0)).toThrow(/null for unlimited|suspend/);
    expect(() => parseTrafficLimit('0GB')).toThrow(DomainValidationError);
  });

  it('refuses negatives and fractions', () => {
    expect(() => validateTrafficLimit(-1)).toThrow(DomainValidationError);
    expect(() => validateTrafficLimit(0.5)).toThrow(DomainValidationError);
  });
});

describe('gigabytes conversion', () => {
  it('property: bytes → GB float → bytes is exact for every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (bytes) => {
        expect(gigabytesToBytes(bytesToGigabytes(bytes))).toBe(bytes);
      }),
    );
  });

  it('rounds GB floats to the nearest byte', () => {
    expect(gigabytesToBytes(10.0)).toBe(10 * BYTES_PER_GB);
    expect(gigabytesToBytes(0.1)).toBe(107374182);
  });
});
