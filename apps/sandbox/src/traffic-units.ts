/**
 * ProxyHat's human traffic strings ("5GB", "500MB", "1.5 gb") in bytes.
 *
 * Rules (the docs only show "5GB" -> 5368709120, i.e. 1024-based units):
 * - units B, KB, MB, GB, TB, case-insensitive, 1024-based; no unit means bytes;
 * - optional whitespace between number and unit and around the string;
 * - the number is a non-negative decimal ("1.5", "10", no exponent, no sign);
 * - fractional bytes are rounded to the nearest byte with Math.round (1.5KB = 1536, 0.3B = 0).
 * Returns null when the string does not follow these rules or the result is not a safe integer.
 */
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};

const TRAFFIC_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]?b)?\s*$/i;

export function parseTrafficLimit(input: string): number | null {
  const match = TRAFFIC_PATTERN.exec(input);
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase();
  const bytes = Math.round(Number(match[1]) * UNIT_BYTES[unit]);
  return Number.isSafeInteger(bytes) ? bytes : null;
}
