import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';
import { InboundRateLimiter } from './inbound-rate-limiter';
import { MetricsService } from './metrics.service';

/**
 * The inbound per-key limit on every authenticated route. Every answer of such a route carries
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window
 * ends), so callers can pace themselves; past the limit it is 429 RATE_LIMITED with Retry-After.
 * Public routes (no API key) are not limited per key.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: InboundRateLimiter,
    private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const auth = http.getRequest<FastifyRequest>().auth;
    if (!auth) return true;
    const state = await this.limiter.take(auth.keyId);
    if (!state) return true;
    void http
      .getResponse<FastifyReply>()
      .header('ratelimit-limit', String(state.limit))
      .header('ratelimit-remaining', String(state.remaining))
      .header('ratelimit-reset', String(state.resetSeconds));
    if (state.exceeded) {
      this.metrics.inboundRateLimited.inc();
      throw new GatewayError(
        'RATE_LIMITED',
        `This API key sent more than ${state.limit} requests this minute`,
        {
          extras: { retryAfterSeconds: state.resetSeconds, limitPerMinute: state.limit },
        },
      );
    }
    return true;
  }
}
