/**
 * Integer ids that a restarted sandbox never hands out again, as a real provider never reuses an
 * id (the gateway keeps mappings to provider ids across sandbox restarts).
 *
 * An id is the number of microseconds since 2025-01-01 at the moment it is issued, or the last
 * id plus one when ids are issued faster than one per microsecond. A new process therefore starts
 * above every id an earlier process issued, as long as that process never ran ahead of the
 * clock, which would need over a million creates per second. Ids grow by about 3.2e13 a
 * year: far below Number.MAX_SAFE_INTEGER, and at most 15 digits until 2056.
 */
const EPOCH_MS = Date.UTC(2025, 0, 1);

/** Microseconds since EPOCH_MS, from the high-resolution clock anchored to wall time. */
export function clockMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now() - EPOCH_MS) * 1000);
}

/** Seeded ids stay below this, so they can never meet a clock id. */
export const FIRST_CLOCK_ID = 1_000_000_000;

export class ClockIds {
  private last = 0;

  constructor(private readonly clock: () => number = clockMicros) {}

  next(): number {
    this.last = Math.max(this.last + 1, this.clock(), FIRST_CLOCK_ID);
    return this.last;
  }
}
