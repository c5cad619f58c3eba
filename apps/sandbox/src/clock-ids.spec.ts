import { ClockIds, clockMicros, FIRST_CLOCK_ID } from './clock-ids';

describe('ClockIds', () => {
  it('follows the clock, and counts on by one when the clock stalls or goes back', () => {
    const ticks = [5_000_000_000, 5_000_000_000, 4_999_999_000, 5_000_000_010];
    const ids = new ClockIds(() => ticks.shift() ?? 0);
    expect([ids.next(), ids.next(), ids.next(), ids.next()]).toEqual([
      5_000_000_000, 5_000_000_001, 5_000_000_002, 5_000_000_010,
    ]);
  });

  it('never hands out an id a seeded sub-user could have', () => {
    expect(new ClockIds(() => 7).next()).toBe(FIRST_CLOCK_ID);
  });

  it('counts microseconds since 2025 on the real clock, within safe integers', () => {
    const before = (Date.now() - Date.UTC(2025, 0, 1)) * 1000;
    const now = clockMicros();
    expect(now).toBeGreaterThanOrEqual(before - 1000);
    expect(now).toBeLessThanOrEqual((Date.now() - Date.UTC(2025, 0, 1)) * 1000 + 1000);
    expect(Number.isSafeInteger(now)).toBe(true);
  });
});
