import { Controller, Get, Inject, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseProbe, ProviderAccountRepository } from '@app/persistence';
import { ApiKeysService } from '../access/api-keys.service';
import { Public } from '../access/auth-context';
import { GATEWAY_CONFIG } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { presentsMetricsToken } from '../observability/metrics-token';
import { AccountHealth, UpstreamObserver } from '../observability/upstream-observer';
import {
  DetailedReadinessDto,
  HealthIndicatorDto,
  LivenessDto,
  ProviderReadinessDto,
  PublicReadinessDto,
} from './health.dto';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

const publicReadyExample = { status: 'ok', database: 'up', providers: 'degraded' };
const publicDownExample = { status: 'error', database: 'down', providers: 'up' };

const detailedReadyExample = {
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

/** What anyone may know: whether the gateway can serve, never which accounts it holds. */
interface PublicReadiness {
  status: 'ok' | 'error';
  database: 'up' | 'down';
  /** `degraded` when any provider account's circuit is not closed. */
  providers: 'up' | 'degraded';
}

const READINESS_SCHEMA = {
  oneOf: [{ $ref: getSchemaPath(PublicReadinessDto) }, { $ref: getSchemaPath(DetailedReadinessDto) }],
};

@ApiTags('health')
@ApiExtraModels(PublicReadinessDto, DetailedReadinessDto, HealthIndicatorDto, ProviderReadinessDto)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    private readonly accounts: ProviderAccountRepository,
    private readonly upstream: UpstreamObserver,
    private readonly apiKeys: ApiKeysService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process is up (cheap, touches nothing)',
    description: 'No key needed. Answers 200 while the process runs, whatever the database or providers do.',
  })
  @ApiOkResponse({ type: LivenessDto })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers; provider accounts are reported without failing readiness',
    description:
      'Anyone gets `{status, database, providers}` (providers `up` or `degraded`). With an admin API key, or the ' +
      'METRICS_TOKEN, as a bearer: the database check and each provider account’s circuit and last error.',
  })
  // No key needed; an admin key (or METRICS_TOKEN) as a bearer adds the details.
  @ApiSecurity({})
  @ApiSecurity('bearer')
  @ApiOkResponse({
    description: 'The database answers',
    schema: READINESS_SCHEMA,
    examples: {
      public: { summary: 'Without a key', value: publicReadyExample },
      detailed: { summary: 'With an admin key or METRICS_TOKEN', value: detailedReadyExample },
    },
  })
  @ApiResponse({
    status: 503,
    description: 'The database does not answer (the same shapes, status "error")',
    schema: READINESS_SCHEMA,
    examples: { public: { summary: 'Without a key', value: publicDownExample } },
  })
  async ready(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReadinessResult | PublicReadiness> {
    const detailed = await this.mayReadDetail(request.headers.authorization);
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.checkDatabase()]);
    } catch (error) {
      // Terminus reports a failed check as 503 with the whole result as the body: keep that body.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      const failed = error.getResponse() as HealthCheckResult;
      return detailed
        ? { ...failed, providers: [] }
        : { status: 'error', database: 'down', providers: this.upstream.anyDegraded() ? 'degraded' : 'up' };
    }
    const providers = await this.providers();
    if (detailed) return { ...result, providers };
    const degraded = providers.some((provider) => provider.status === 'degraded');
    return { status: 'ok', database: 'up', providers: degraded ? 'degraded' : 'up' };
  }

  /** Account ids, names and errors are for operators: an admin key or the metrics token. */
  private async mayReadDetail(authorization: string | undefined): Promise<boolean> {
    if (presentsMetricsToken(this.config, authorization)) return true;
    const key = BEARER.exec(authorization ?? '')?.[1];
    if (!key) return false;
    try {
      return (await this.apiKeys.authenticate(key))?.isAdmin === true;
    } catch {
      // The database is down: answer what anyone may know (the check below reports it).
      return false;
    }
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
      await this.database.ping();
      return indicator.up({ kind: this.database.kind });
    } catch (error) {
      return indicator.down({ kind: this.database.kind, message: (error as Error).message });
    }
  }
}
