import { Global, Module } from '@nestjs/common';
import { InboundRateLimiter } from './inbound-rate-limiter';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { UpstreamObserver } from './upstream-observer';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, UpstreamObserver, InboundRateLimiter],
  exports: [MetricsService, UpstreamObserver, InboundRateLimiter],
})
export class ObservabilityModule {}
