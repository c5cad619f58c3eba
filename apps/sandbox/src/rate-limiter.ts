export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (at least 1). */
  retryAfterSeconds: number;
  /** Epoch seconds when the window ends. */
  resetAtSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

const WINDOW_MS = 60_000;

/** Fixed one-minute window per account key: cheap (one Map lookup) and predictable in tests. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  hit(key: string, perMinute: number, now = Date.now()): RateLimitDecision {
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    const endsAt = window.startedAt + WINDOW_MS;
    const decision = {
      limit: perMinute,
      retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)),
      resetAtSeconds: Math.ceil(endsAt / 1000),
    };
    if (window.count >= perMinute) return { ...decision, allowed: false, remaining: 0 };
    window.count++;
    return { ...decision, allowed: true, remaining: perMinute - window.count };
  }

  reset(): void {
    this.windows.clear();
  }
}
