/**
 * When a failed attempt is followed by another: the (n+1)th wait of the schedule after the
 * (n+1)th failed attempt; null once the schedule is used up (the delivery is given up).
 */
export function nextAttemptAt(
  attemptsBefore: number,
  scheduleMs: readonly number[],
  failedAt: Date,
): Date | null {
  const wait = scheduleMs[attemptsBefore];
  return wait === undefined ? null : new Date(failedAt.getTime() + wait);
}
