import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@app/domain';
import { Public } from '../access/auth-context';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
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
    const token = this.config.security.metricsToken;
    if (token && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new GatewayError('UNAUTHENTICATED', 'Send the METRICS_TOKEN as "Authorization: Bearer <token>"');
    }
    const body = await this.metrics.registry.metrics();
    void reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
