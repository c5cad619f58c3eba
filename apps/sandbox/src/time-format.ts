/**
 * Datetime formats as each provider prints them: Webshare (Django) with microseconds and an
 * offset, ProxyHat (docs' examples) in UTC with `Z` and whole seconds.
 */

/** `2019-06-09T23:34:00.095501+00:00`; `micros` (0..999) fills the last three digits. */
export function webshareDateTime(ms: number, micros = 0): string {
  const iso = new Date(ms).toISOString(); // 2019-06-09T23:34:00.095Z
  return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}+00:00`;
}

/** `2026-01-20T10:00:00Z` */
export function proxyhatDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Same day next month, clamped to the month's last day (like dateutil's relativedelta). */
export function addOneMonth(ms: number): number {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const shifted = new Date(ms);
  shifted.setUTCDate(1);
  shifted.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return shifted.getTime();
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses the datetimes DRF's DateTimeField accepts (ISO 8601, optional seconds, fraction and
 * offset; no offset = UTC). Returns epoch milliseconds and the microsecond remainder, or null.
 */
export function parseIsoDateTime(input: string): { ms: number; micros: number } | null {
  const match = ISO_DATETIME.exec(input.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const digits = fraction.padEnd(6, '0');
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Number(digits.slice(0, 3)));
  const check = new Date(ms);
  if (check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
    return null;
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const compact = zone.slice(1).replace(':', '');
    ms -= sign * (Number(compact.slice(0, 2)) * 60 + Number(compact.slice(2, 4))) * 60_000;
  }
  return { ms, micros: Number(digits.slice(3, 6)) };
}
