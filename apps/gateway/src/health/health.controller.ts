import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { FastifyReply } from 'fastify';
import { PrismaService } from '@app/persistence';
import { Public } from '../access/auth-context';

const readyExample = {
  status: 'ok',
  info: { database: { status: 'up', kind: 'pglite' } },
  error: {},
  details: {},
};

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up (cheap, touches nothing)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiOkResponse({ schema: { example: readyExample } })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer (same body, status "error")' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.checkDatabase()]);
    } catch (error) {
      // Terminus reports a failed check as 503 with the whole result as the body: keep that body.
      if (error instanceof ServiceUnavailableException) {
        void reply.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
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
