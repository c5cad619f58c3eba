import { Global, Module } from '@nestjs/common';
import { PlatformModule } from '../common/platform.module';
import { InboundRateLimiter } from './inbound-rate-limiter';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { UpstreamObserver } from './upstream-observer';

@Global()
@Module({
  // The platform (clock, shared Redis) is global; it is brought in here, the first module of ours
  // the application imports.
  imports: [PlatformModule],
  controllers: [MetricsController],
  providers: [MetricsService, UpstreamObserver, InboundRateLimiter],
  exports: [MetricsService, UpstreamObserver, InboundRateLimiter],
})
export class ObservabilityModule {}
