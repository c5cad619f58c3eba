import { parseTrafficLimit } from './traffic-units';

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
