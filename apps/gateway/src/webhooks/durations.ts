const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `250ms`, `5s`, `30m`, `2h`, `1d` → milliseconds; null when it is not such a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const value = Number(match[1]) * UNIT_MS[match[2]];
  return Number.isSafeInteger(value) ? value : null;
}

/** A comma-separated list of durations (`5s,5m,30m`); null when any item is not one. */
export function parseDurationList(text: string): number[] | null {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) return null;
  const values = items.map(parseDuration);
  return values.every((value): value is number => value !== null) ? values : null;
}
