import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { FastifyReply } from 'fastify';
import { PrismaService } from '@app/persistence';
import { ProviderAccountRepository } from '@app/persistence/repositories/provider-account.repository';
import { Public } from '../access/auth-context';
import { AccountHealth, UpstreamObserver } from '../observability/upstream-observer';

const readyExample = {
  status: 'ok',
  info: { database: { status: 'up', kind: 'postgres' } },
  error: {},
  details: { database: { status: 'up', kind: 'postgres' } },
  providers: [
    {
      id: '9dcfa3f1-9acc-437a-b7d8-33b3591e937d',
      name: 'proxyhat-main',
      provider: 'proxyhat',
      status: 'degraded',
      circuit: 'open',
      lastError: { code: 'PROVIDER_UNAVAILABLE', status: 503, at: '2026-11-22T10:00:00.000Z' },
      lastSuccessAt: '2026-11-22T09:59:00.000Z',
    },
  ],
};

interface ProviderReadiness extends AccountHealth {
  id: string;
  name: string;
  provider: string;
  /** `degraded` never fails readiness: one bad provider must not take the gateway out of rotation. */
  status: 'up' | 'degraded';
}

type ReadinessResult = HealthCheckResult & { providers: ProviderReadiness[] };

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly accounts: ProviderAccountRepository,
    private readonly upstream: UpstreamObserver,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up (cheap, touches nothing)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: the database answers; each provider account’s circuit and last error are reported, without failing readiness',
  })
  @ApiOkResponse({ schema: { example: readyExample } })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer (same body, status "error")' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessResult> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.checkDatabase()]);
    } catch (error) {
      // Terminus reports a failed check as 503 with the whole result as the body: keep that body.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return { ...(error.getResponse() as HealthCheckResult), providers: [] };
    }
    return { ...result, providers: await this.providers() };
  }

  private async providers(): Promise<ProviderReadiness[]> {
    const accounts = await this.accounts.listAll();
    return accounts.map((account) => {
      const health = this.upstream.health(account.id);
      return {
        id: account.id,
        name: account.name,
        provider: account.provider,
        status: health.circuit === 'closed' ? 'up' : 'degraded',
        ...health,
      };
    });
  }

  private async checkDatabase() {
    const indicator = this.indicators.check('database');
    try {
      await this.prisma.ping();
      return indicator.up({ kind: this.prisma.kind });
    } catch (error) {
      return indicator.down({ kind: this.prisma.kind, message: (error as Error).message });
    }
  }
}
