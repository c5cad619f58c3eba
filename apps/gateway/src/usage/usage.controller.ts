import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';
import { type UsageGrouping, type UsageQuery, UsageRepository } from '@app/persistence';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { CSV_DOWNLOAD_HEADER } from '../docs/openapi-conventions';
import { SubUserAccess } from '../sub-users/sub-user-access';
import { UsageRollupDto, UsageRollupQueryDto, UsageSeriesDto, UsageSeriesQueryDto } from './usage.dto';
import { sendUsage } from './usage-export';

/** The window a query asks for: by default the current month (UTC) up to now. */
function windowOf(query: UsageSeriesQueryDto): Pick<UsageQuery, 'from' | 'to' | 'granularity'> {
  const now = new Date();
  const from = query.from ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = query.to ?? now;
  if (from.getTime() >= to.getTime()) {
    throw new GatewayError('VALIDATION_FAILED', 'from must be before to', {
      fieldErrors: [{ field: 'from', message: 'must be before to' }],
    });
  }
  return { from, to, granularity: query.granularity ?? 'day' };
}

function groupingOf(groupBy: string | undefined): UsageGrouping | undefined {
  if (groupBy === undefined) return undefined;
  if (groupBy.startsWith('metadata.')) return { by: 'metadata', key: groupBy.slice('metadata.'.length) };
  return { by: groupBy as Exclude<UsageGrouping['by'], 'metadata'> };
}

const FORMATS =
  'JSON by default; `Accept: text/csv` for CSV and `Accept: application/x-ndjson` for NDJSON, both streamed (an export of any size is written as it is read).';

@ApiTags('usage')
@ApiBearerAuth('bearer')
@RequireScopes('sub-users:read')
@Controller('v1')
export class UsageController {
  constructor(
    private readonly usage: UsageRepository,
    private readonly access: SubUserAccess,
  ) {}

  @Get('sub-users/:id/usage')
  @ApiOperation({
    summary: 'A sub-user’s traffic over time',
    description: `Bytes used inside each hour, day or month (UTC), from the samples the gateway took (sync, fresh reads, write answers); a provider reset of its counter is accounted for. ${FORMATS}`,
  })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiOkResponse({ type: UsageSeriesDto, headers: CSV_DOWNLOAD_HEADER })
  @ApiProblemResponses(401, 403, 404, 422)
  async series(
    @Param('id') id: string,
    @Query() query: UsageSeriesQueryDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const window = windowOf(query);
    await this.access.findOwned(id, auth);
    return sendUsage(request, reply, this.usage.pages({ ...window, subUserId: id }), false, `usage-${id}`);
  }

  @Get('usage')
  @ApiOperation({
    summary: 'Traffic over time, rolled up',
    description: `One total per bucket, or per bucket and group (groupBy tenant, provider, providerAccountId, subUser or metadata.<key>). Tenant keys see their own tenant only. ${FORMATS}`,
  })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiOkResponse({ type: UsageRollupDto, headers: CSV_DOWNLOAD_HEADER })
  @ApiProblemResponses(401, 403, 422)
  rollup(
    @Query() query: UsageRollupQueryDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const grouping = groupingOf(query.groupBy);
    const rows = this.usage.pages({
      ...windowOf(query),
      ...(auth.isAdmin ? {} : { tenantId: auth.tenantId }),
      ...(grouping ? { grouping } : {}),
    });
    return sendUsage(request, reply, rows, true, 'usage');
  }
}
