import type { ProviderSubUser } from '@app/domain';

/** What the ledger keeps of a sub-user's usage between two observations. */
export interface UsageState {
  lifetimeUsedBytes: bigint | number;
  lastUsedBytes: bigint | number | null;
  usagePeriod: string | null;
  thresholdsCrossed: number[];
  /** Suspended sub-users have their limit lowered to what they used: no threshold means anything. */
  suspended: boolean;
  /** The limit at the previous observation (undefined: none yet), which thresholdsCrossed are of. */
  limitBytes?: number | null;
}

/** One observation of the provider's counter, folded into the state. */
export interface UsageStep {
  /** The columns to write with the snapshot (nothing when the counter is unknown). */
  columns: {
    lifetimeUsedBytes: number;
    lastUsedBytes: number;
    usagePeriod: string | null;
    thresholdsCrossed: number[];
  } | null;
  /** Bytes used since the previous observation (the provider's resets accounted for). */
  deltaBytes: number;
  /** Thresholds (percent of the limit) crossed by this observation, in order. */
  crossed: number[];
  /** This observation reached the limit for the first time this period. */
  exhausted: boolean;
  usedBytes: number;
  limitBytes: number | null;
}

/**
 * Folds one provider counter reading into the gateway's usage state. A counter that went down is
 * a provider reset (Webshare's period end, ProxyHat's reset/usage): what was used since counts,
 * and a new period begins (thresholds announce again). The first reading is a baseline: usage
 * from before the gateway knew the sub-user goes into its lifetime total but into no hour or day,
 * since nobody knows when it happened.
 */
export function observeUsage(
  state: UsageState,
  report: Pick<ProviderSubUser, 'traffic'>,
  thresholds: readonly number[],
  at: Date,
): UsageStep {
  const usedBytes = report.traffic.usedBytes;
  const limitBytes = report.traffic.limitBytes;
  const none: UsageStep = {
    columns: null,
    deltaBytes: 0,
    crossed: [],
    exhausted: false,
    usedBytes: 0,
    limitBytes,
  };
  if (usedBytes === null || !Number.isFinite(usedBytes) || usedBytes < 0) return none;
  const last = state.lastUsedBytes === null ? null : Number(state.lastUsedBytes);
  const lifetime = Number(state.lifetimeUsedBytes);
  const reset = last !== null && usedBytes < last;
  const providerPeriod = report.traffic.periodStart;
  const periodChanged =
    reset || (providerPeriod !== null && state.usagePeriod !== null && providerPeriod !== state.usagePeriod);
  const period = providerPeriod ?? (reset ? `reset@${at.toISOString()}` : state.usagePeriod);
  const deltaBytes = last === null ? 0 : reset ? usedBytes : usedBytes - last;
  // Thresholds are percents of a limit: after the limit changed, only those the usage still passes
  // under the new one stay crossed (a raised limit announces its own 80 %, 90 %, 100 % again). Not
  // while suspended: the lowered limit is no limit of the sub-user's (suspend and resume keep them).
  const limitChanged = !state.suspended && state.limitBytes !== undefined && state.limitBytes !== limitBytes;
  const alreadyCrossed = periodChanged
    ? []
    : limitChanged
      ? state.thresholdsCrossed.filter(
          (threshold) => limitBytes !== null && limitBytes > 0 && (usedBytes / limitBytes) * 100 >= threshold,
        )
      : state.thresholdsCrossed;
  const crossed: number[] = [];
  if (!state.suspended && limitBytes !== null && limitBytes > 0) {
    const percent = (usedBytes / limitBytes) * 100;
    for (const threshold of [...thresholds].sort((a, b) => a - b)) {
      if (percent >= threshold && !alreadyCrossed.includes(threshold)) crossed.push(threshold);
    }
  }
  const wasExhausted = alreadyCrossed.some((threshold) => threshold >= 100);
  const exhausted =
    !state.suspended && limitBytes !== null && limitBytes > 0 && usedBytes >= limitBytes && !wasExhausted;
  return {
    columns: {
      lifetimeUsedBytes: last === null ? Math.max(lifetime, usedBytes) : lifetime + deltaBytes,
      lastUsedBytes: usedBytes,
      usagePeriod: period,
      // 100 stands for "exhausted this period" even when the tenant's thresholds stop below it.
      thresholdsCrossed: [...new Set([...alreadyCrossed, ...crossed, ...(exhausted ? [100] : [])])].sort(
        (a, b) => a - b,
      ),
    },
    deltaBytes,
    crossed,
    exhausted,
    usedBytes,
    limitBytes,
  };
}

/** The hour, the day and the month an observation's bytes are counted in (UTC). */
export function bucketStarts(at: Date): { hour: Date; day: Date; month: Date } {
  const hour = new Date(at);
  hour.setUTCMinutes(0, 0, 0);
  const day = new Date(at);
  day.setUTCHours(0, 0, 0, 0);
  return { hour, day, month: monthStart(at) };
}

/** The first instant (UTC) of `at`'s month, or of the month `monthsLater` after it. */
export function monthStart(at: Date, monthsLater = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + monthsLater, 1));
}
