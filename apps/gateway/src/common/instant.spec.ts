import { parseInstant } from './instant';

describe('parseInstant', () => {
  it('reads ISO 8601 instants between 1970 and 9999', () => {
    expect(parseInstant('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseInstant('2026-11-01T10:30:00+02:00')?.toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(parseInstant('9999-12-31T23:59:59.999Z')?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses dates no calendar has, which Date.parse would move to the next month', () => {
    for (const text of [
      '2026-02-29',
      '2026-02-30T00:00:00Z',
      '2026-04-31T10:00Z',
      '2026-01-01T24:00:00Z',
      '2026-00-10',
    ])
      expect({ text, parsed: parseInstant(text) }).toEqual({ text, parsed: null });
  });

  it('refuses what lies outside 1970–9999 or is not ISO 8601', () => {
    for (const text of [
      '-200000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '1969-12-31T23:59:59Z',
      'Tue, 01 Dec 2026',
      '',
    ])
      expect({ text, parsed: parseInstant(text) }).toEqual({ text, parsed: null });
  });
});
