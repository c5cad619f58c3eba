import { addOneMonth, parseIsoDateTime, proxyhatDateTime, webshareDateTime } from './time-format';

describe('time formats', () => {
  const ms = Date.UTC(2019, 5, 10, 6, 34, 0, 95);

  it('prints Webshare datetimes with microseconds and an offset', () => {
    expect(webshareDateTime(ms, 501)).toBe('2019-06-10T06:34:00.095501+00:00');
  });

  it('prints ProxyHat datetimes in UTC with Z', () => {
    expect(proxyhatDateTime(ms)).toBe('2019-06-10T06:34:00Z');
  });

  it('adds one calendar month, clamping to the last day', () => {
    expect(new Date(addOneMonth(Date.UTC(2026, 0, 31, 10))).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(new Date(addOneMonth(Date.UTC(2026, 11, 15))).toISOString()).toBe('2027-01-15T00:00:00.000Z');
  });

  it('parses DRF datetimes with offsets and microseconds', () => {
    expect(parseIsoDateTime('2019-06-09T23:34:00.095501-07:00')).toEqual({ ms, micros: 501 });
    expect(parseIsoDateTime('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseIsoDateTime('yesterday')).toBeNull();
  });
});
