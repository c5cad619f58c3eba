import { bytesToGigabytes, gigabytesToBytes, parseTrafficLimit } from './traffic-units';

describe('parseTrafficLimit', () => {
  it.each([
    ['5GB', 5368709120],
    ['10GB', 10737418240],
    ['500MB', 524288000],
    ['1.5GB', 1610612736],
    ['1.5 gb', 1610612736],
    [' 2 TB ', 2 * 1024 ** 4],
    ['1GiB', 1024 ** 3],
    ['1024', 1024],
    ['7b', 7],
    ['0GB', 0],
    ['1.3KB', 1331],
    ['0.5B', 1],
    ['0.4B', 0],
  ])('%s -> %i bytes', (input, bytes) => {
    expect(parseTrafficLimit(input)).toBe(bytes);
  });

  it.each(['', 'GB', '-5GB', '5PB', '5 G B', '1e3MB', 'five GB', '.5GB', '99999999TB'])(
    'rejects %j',
    (input) => {
      expect(parseTrafficLimit(input)).toBeNull();
    },
  );
});

describe('IPRoyal GB <-> bytes', () => {
  it.each([
    [10, 10737418240],
    [5.5, 5905580032],
    [0.1, 107374182],
    [32.6, 35003983462],
    [0, 0],
  ])('%d GB -> %i bytes and back', (gigabytes, bytes) => {
    expect(gigabytesToBytes(gigabytes)).toBe(bytes);
    expect(bytesToGigabytes(bytes)).toBe(gigabytes);
  });

  it('gives back every amount of up to 9 decimals exactly', () => {
    for (const gigabytes of [0.000000001, 0.123456789, 999.999999999, 1234.5, 0.3]) {
      expect(bytesToGigabytes(gigabytesToBytes(gigabytes))).toBe(gigabytes);
    }
  });

  it('prints odd byte counts with 9 decimals at most', () => {
    expect(bytesToGigabytes(1)).toBe(0.000000001);
    expect(bytesToGigabytes(1234)).toBe(0.000001149);
  });
});
