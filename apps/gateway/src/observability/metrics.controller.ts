import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { GatewayError } from '@app/domain';
import { Public } from '../access/auth-context';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { presentsMetricsToken } from './metrics-token';
import { MetricsService } from './metrics.service';

/** Prometheus exposition; open unless METRICS_TOKEN is set, then that token as a bearer. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (this.config.security.metricsToken && !presentsMetricsToken(this.config, authorization)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new GatewayError('UNAUTHENTICATED', 'Send the METRICS_TOKEN as "Authorization: Bearer <token>"');
    }
    const body = await this.metrics.registry.metrics();
    void reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}
