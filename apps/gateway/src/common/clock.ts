import { Injectable } from '@nestjs/common';

/**
 * The wall clock, for time-based decisions that tests must be able to pin down: key-cache
 * expiry and the inbound rate-limit window (a test freezes it with `jest.spyOn(clock, 'now')`).
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
