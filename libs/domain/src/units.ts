import { DomainValidationError } from './errors';

/**
 * Traffic amounts. As proxy providers count it, 1 KB = 1024 B, 1 MB = 1024² B, 1 GB = 1024³ B,
 * 1 TB = 1024⁴ B; KiB/MiB/GiB/TiB mean the same. The gateway's own unit is whole bytes.
 *
 * Rounding rule (the only one): an amount with a decimal fraction is converted exactly (decimal
 * arithmetic, no float error) and rounded half up to whole bytes, e.g. "1.3 KB" = 1331.2 B → 1331 B.
 */
export const BYTES_PER_KB = 1024;
export const BYTES_PER_MB = 1024 ** 2;
export const BYTES_PER_GB = 1024 ** 3;
export const BYTES_PER_TB = 1024 ** 4;

const UNIT_MULTIPLIERS: Record<string, bigint> = {
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

const AMOUNT_PATTERN = /^(\d+)(?:\.(\d+))?\s*([a-z]+)?$/i;
const MAX_BYTES = BigInt(Number.MAX_SAFE_INTEGER);

/** Parses bytes (a whole number) or a string with an optional unit ("5GB", "1.5 GiB", "1024", "10 kb"). */
export function parseTrafficAmount(input: number | string, field = 'trafficLimitBytes'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new DomainValidationError(field, 'must be a finite number of bytes');
    if (input < 0) throw new DomainValidationError(field, 'must not be negative');
    if (!Number.isInteger(input))
      throw new DomainValidationError(field, 'a number of bytes must be a whole number');
    if (input > Number.MAX_SAFE_INTEGER) throw new DomainValidationError(field, 'is too large');
    return input;
  }
  if (typeof input !== 'string') {
    throw new DomainValidationError(field, 'must be a number of bytes or a string such as "5GB"');
  }
  const text = input.trim();
  if (text.startsWith('-')) throw new DomainValidationError(field, 'must not be negative');
  const match = AMOUNT_PATTERN.exec(text);
  if (!match) {
    throw new DomainValidationError(
      field,
      'must be bytes or an amount with a unit B, KB, MB, GB or TB (e.g. "5GB")',
    );
  }
  const [, wholePart, fractionPart = '', unitPart = 'b'] = match;
  const multiplier = UNIT_MULTIPLIERS[unitPart.toLowerCase()];
  if (multiplier === undefined) {
    throw new DomainValidationError(field, `unknown unit '${unitPart}': use B, KB, MB, GB or TB`);
  }
  const scale = 10n ** BigInt(fractionPart.length);
  const scaledValue = BigInt(wholePart + fractionPart) * multiplier;
  // Round half up in exact integer arithmetic.
  const bytes = (scaledValue * 2n + scale) / (scale * 2n);
  if (bytes > MAX_BYTES) throw new DomainValidationError(field, 'is too large');
  return Number(bytes);
}

/**
 * Formats bytes in the largest unit that holds them exactly, e.g. 5368709120 → "5GB",
 * 1610612736 → "1536MB", 1000 → "1000B". Never loses a byte, so a provider that parses
 * the string with 1024-based units gets back exactly these bytes.
 */
export function formatTrafficAmount(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new DomainValidationError('trafficLimitBytes', 'must be a whole, non-negative number of bytes');
  }
  if (bytes === 0) return '0B';
  const units: Array<[string, number]> = [
    ['TB', BYTES_PER_TB],
    ['GB', BYTES_PER_GB],
    ['MB', BYTES_PER_MB],
    ['KB', BYTES_PER_KB],
  ];
  for (const [unit, size] of units) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

/** A traffic limit as the API accepts it: `null` = unlimited; `0` is refused (suspend instead). */
export function validateTrafficLimit(bytes: number | null, field = 'trafficLimitBytes'): number | null {
  if (bytes === null) return null;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes)) {
    throw new DomainValidationError(
      field,
      'must be a whole number of bytes (at most 2^53 - 1) or null for unlimited',
    );
  }
  if (bytes < 0) throw new DomainValidationError(field, 'must not be negative');
  if (bytes === 0) {
    throw new DomainValidationError(
      field,
      '0 is not a limit: use null for unlimited, or suspend the sub-user',
    );
  }
  return bytes;
}

/** Parses and validates a traffic limit input in one step. */
export function parseTrafficLimit(input: number | string | null, field = 'trafficLimitBytes'): number | null {
  if (input === null) return null;
  return validateTrafficLimit(parseTrafficAmount(input, field), field);
}

/** Bytes → GB (1024³) as a float. Exact for every safe integer: dividing by a power of two loses nothing. */
export function bytesToGigabytes(bytes: number): number {
  return bytes / BYTES_PER_GB;
}

/** GB (1024³) float → whole bytes, rounded to the nearest byte. */
export function gigabytesToBytes(gigabytes: number): number {
  return Math.round(gigabytes * BYTES_PER_GB);
}
