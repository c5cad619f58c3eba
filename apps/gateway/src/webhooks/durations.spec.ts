import { parseDuration, parseDurationList } from './durations';
import { nextAttemptAt } from './retry-schedule';

describe('webhook durations and retry schedule', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [' 10S ', 10_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5 s', '1.5h', '-1s', '2w', 's'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('reads a list, refusing it whole when one item is not a duration', () => {
    expect(parseDurationList('5s,5m,30m,2h,5h,10h,1d,1d,1d')).toEqual([
      5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 86_400_000, 86_400_000, 86_400_000,
    ]);
    expect(parseDurationList('5s,,1m')).toEqual([5000, 60_000]);
    expect(parseDurationList('5s,soon')).toBeNull();
    expect(parseDurationList(' , ')).toBeNull();
  });

  it('waits the nth wait after the nth failed attempt, and gives up after the last', () => {
    const schedule = [5000, 300_000];
    const failedAt = new Date('2026-03-01T00:00:00.000Z');
    expect(nextAttemptAt(0, schedule, failedAt)).toEqual(new Date('2026-03-01T00:00:05.000Z'));
    expect(nextAttemptAt(1, schedule, failedAt)).toEqual(new Date('2026-03-01T00:05:00.000Z'));
    expect(nextAttemptAt(2, schedule, failedAt)).toBeNull();
    // A manual retry of a given-up delivery is one more attempt, then given up again.
    expect(nextAttemptAt(3, schedule, failedAt)).toBeNull();
  });
});
