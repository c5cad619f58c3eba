import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows perMinute hits per key per minute window, then reports Retry-After', () => {
    const limiter = new RateLimiter();
    const t0 = 1_000_000;
    expect(limiter.hit('a', 2, t0)).toMatchObject({ allowed: true, remaining: 1 });
    expect(limiter.hit('a', 2, t0 + 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.hit('b', 2, t0 + 1)).toMatchObject({ allowed: true });
    expect(limiter.hit('a', 2, t0 + 15_000)).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 45,
    });
    expect(limiter.hit('a', 2, t0 + 60_000)).toMatchObject({ allowed: true, remaining: 1 });
  });
});
