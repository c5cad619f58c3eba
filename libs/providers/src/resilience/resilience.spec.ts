import { DEFAULT_DRIVER_OPTIONS, resolveDriverOptions } from './resilience.types';
import { ElapsedRefill, bucketSettings, createLimiter } from './rate-limiter';
import { retryDelayMs } from './resilient-http-client';
import { UpstreamFailure, parseRetryAfter } from './upstream-failure';

describe('retry delays', () => {
  const retry = {
    ...DEFAULT_DRIVER_OPTIONS.retry,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    retryAfterCapMs: 5000,
  };
  const serverError = new UpstreamFailure('http', 'get', { status: 503, reason: 'HTTP 503' });

  it('grows exponentially with half jitter and is capped', () => {
    expect(retryDelayMs(serverError, 1, retry, () => 0)).toBe(50);
    expect(retryDelayMs(serverError, 1, retry, () => 1)).toBe(100);
    expect(retryDelayMs(serverError, 3, retry, () => 1)).toBe(400);
    expect(retryDelayMs(serverError, 10, retry, () => 1)).toBe(1000);
  });

  it('honours Retry-After, capped', () => {
    const throttled = (seconds: number) =>
      new UpstreamFailure('http', 'get', { status: 429, retryAfterSeconds: seconds, reason: 'HTTP 429' });
    expect(retryDelayMs(throttled(2), 1, retry)).toBe(2000);
    expect(retryDelayMs(throttled(60), 1, retry)).toBe(5000);
  });

  it('parses Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(' 1.2 ')).toBe(2);
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThanOrEqual(9);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('driver options', () => {
  it('merges partial options over the defaults', () => {
    const options = resolveDriverOptions(
      { timeoutMs: 500, retry: { maxAttempts: 5 } },
      { circuit: { threshold: 2 } },
    );
    expect(options.timeoutMs).toBe(500);
    expect(options.retry).toEqual({ ...DEFAULT_DRIVER_OPTIONS.retry, maxAttempts: 5 });
    expect(options.circuit).toEqual({ ...DEFAULT_DRIVER_OPTIONS.circuit, threshold: 2 });
    expect(DEFAULT_DRIVER_OPTIONS.timeoutMs).toBe(10_000);
  });
});

describe('in-memory limiter', () => {
  it('runs user calls ahead of queued background calls', async () => {
    const limiter = createLimiter({ id: 'test', perMinute: 6000, maxConcurrent: 1 });
    const order: string[] = [];
    let release: () => void = () => undefined;
    let blockerStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (blockerStarted = resolve));
    const blocker = limiter.schedule(
      'background',
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
          blockerStarted();
        }),
    );
    await started;
    const queued = [
      limiter.schedule('background', async () => void order.push('background-1')),
      limiter.schedule('background', async () => void order.push('background-2')),
      limiter.schedule('user', async () => void order.push('user-1')),
      limiter.schedule('user', async () => void order.push('user-2')),
    ];
    // Each submission takes a few turns of the event loop inside Bottleneck: under a loaded CI a
    // 20 ms wait released the blocker before the user calls were queued at all.
    await new Promise((resolve) => setTimeout(resolve, 250));
    release();
    await Promise.all([blocker, ...queued]);
    expect(order).toEqual(['user-1', 'user-2', 'background-1', 'background-2']);
    await limiter.close();
  });

  it('holds to the rate: a burst of about 10 s worth, then the published pace', async () => {
    // On a fake clock (Bottleneck's heartbeat and Date.now() both follow it), so the counts below
    // hold however busy the machine is: nothing here depends on how fast it runs.
    jest.useFakeTimers({ now: 0 });
    try {
      const limiter = createLimiter({ id: 'rate', perMinute: 240, maxConcurrent: 100 });
      const started: number[] = [];
      const all = Promise.all(
        Array.from({ length: 42 }, () => limiter.schedule('user', async () => void started.push(Date.now()))),
      );
      const startedBy = async (at: number) => {
        await jest.advanceTimersByTimeAsync(at - Date.now());
        return started.length;
      };
      // 40 without waiting for tokens (240/min over 10 s), then one token every 250 ms.
      expect(await startedBy(200)).toBe(40);
      expect(await startedBy(249)).toBe(40);
      expect(await startedBy(300)).toBe(41);
      expect(await startedBy(499)).toBe(41);
      expect(await startedBy(550)).toBe(42);
      await all;
      await limiter.close();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('elapsed-time refill', () => {
  it('owes exactly the tokens the time elapsed pays for, however late or irregular the asking', () => {
    // 60/min: one token a second. Asked at irregular moments, as a busy event loop would.
    const refill = new ElapsedRefill(60, 0);
    const asks = [999, 1_000, 1_250, 2_490, 2_510, 3_999, 7_001, 7_002, 60_000];
    const owed = asks.map((at) => refill.owed(at));
    expect(owed).toEqual([0, 1, 0, 1, 0, 1, 4, 0, 53]);
    // Whatever the timing, a minute pays for 60 tokens: nothing lost to late timers.
    expect(owed.reduce((sum, n) => sum + n, 0)).toBe(60);
  });

  it('carries the fraction of a token between asks (240/min: 4 a second)', () => {
    const refill = new ElapsedRefill(240, 1_000);
    let total = 0;
    for (let at = 1_000; at <= 61_000; at += 263) total += refill.owed(at);
    total += refill.owed(61_000);
    expect(total).toBe(240);
  });
});

describe('token bucket sizing', () => {
  it.each([
    [240, 40, 250, 1],
    [60, 10, 1000, 1],
    [600, 100, 300, 3],
    [6000, 1000, 250, 25],
  ])('%d/min → burst %d, +%d ms', (perMinute, burst, interval, amount) => {
    expect(bucketSettings(perMinute)).toEqual({
      reservoir: burst,
      reservoirIncreaseInterval: interval,
      reservoirIncreaseAmount: amount,
      reservoirIncreaseMaximum: burst,
    });
  });
});
