/**
 * ProxyHat's human traffic strings ("5GB", "500MB", "1.5 gb") in bytes.
 *
 * Rules (the docs only show "5GB" -> 5368709120, i.e. 1024-based units; the same rules as the
 * gateway's libs/domain units, so a round trip never changes a value):
 * - units B, KB, MB, GB, TB (KiB, MiB, GiB, TiB mean the same), case-insensitive, 1024-based;
 *   no unit means bytes;
 * - optional whitespace between number and unit and around the string;
 * - the number is a non-negative decimal ("1.5", "10"; no sign, no exponent);
 * - a fractional result is rounded half up to whole bytes in exact decimal arithmetic
 *   ("1.3KB" = 1331.2 B -> 1331, "0.5B" -> 1).
 * Returns null when the string does not follow these rules or exceeds Number.MAX_SAFE_INTEGER.
 */
const UNIT_BYTES: Record<string, bigint> = {
  b: 1n,
  kb: 1024n,
  kib: 1024n,
  mb: 1024n ** 2n,
  mib: 1024n ** 2n,
  gb: 1024n ** 3n,
  gib: 1024n ** 3n,
  tb: 1024n ** 4n,
  tib: 1024n ** 4n,
};

const TRAFFIC_PATTERN = /^\s*(\d+)(?:\.(\d+))?\s*([a-z]+)?\s*$/i;
const MAX_BYTES = BigInt(Number.MAX_SAFE_INTEGER);

export function parseTrafficLimit(input: string): number | null {
  const match = TRAFFIC_PATTERN.exec(input);
  if (!match) return null;
  const [, whole, fraction = '', unit = 'b'] = match;
  const multiplier = UNIT_BYTES[unit.toLowerCase()];
  if (multiplier === undefined) return null;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * multiplier;
  const bytes = (scaled * 2n + scale) / (scale * 2n);
  return bytes > MAX_BYTES ? null : Number(bytes);
}

/** IPRoyal counts traffic in GB; like the gateway's libs/domain, 1 GB = 1024³ bytes. */
export const BYTES_PER_GB = 1024 ** 3;

/** GB (float) to whole bytes, rounded to the nearest byte. */
export function gigabytesToBytes(gigabytes: number): number {
  return Math.round(gigabytes * BYTES_PER_GB);
}

/**
 * Whole bytes to GB, rounded to 9 decimals (a nano-GB is about one byte): an amount sent with
 * up to 9 decimals comes back exactly as sent (0.1 -> 107374182 B -> 0.1), not as
 * 0.09999999962747097.
 */
export function bytesToGigabytes(bytes: number): number {
  return Math.round((bytes / BYTES_PER_GB) * 1e9) / 1e9;
}
