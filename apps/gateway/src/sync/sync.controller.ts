import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { StartSyncDto, SyncAcceptedDto } from './sync.dto';
import { SyncService } from './sync.service';

@ApiTags('jobs')
@ApiBearerAuth('bearer')
@RequireScopes('admin')
@Controller('v1/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post()
  @HttpCode(202)
  @Idempotent()
  @ApiOperation({
    summary: 'Reconcile the local mapping with the providers (a job)',
    description:
      'Lists every sub-user of one provider account (or of all), updates changed snapshots (provider-side changes are recorded as `sub-user.drift` audit events; usage counters are updated silently), completes open create intents whose answer was lost, adopts unknown sub-users into the `default` tenant (`sub-user.adopted`) and marks sub-users the provider no longer holds as deleted (`sub-user.vanished`). An account whose listing fails is left untouched and reported in the job. ' +
      'Answers 202 with the job; `GET /v1/jobs/{id}` gives its status, counts and one result per account ' +
      '(`{accountId, name, provider, ok, listed, adopted, matchedIntents, updated, drift, vanished, deletesConfirmed, expiredIntents, ambiguous, durationMs, error?}`). ' +
      'A sync already queued or running for the same account (or for all accounts) is returned instead of starting a second one.',
  })
  @ApiBody({
    type: StartSyncDto,
    required: false,
    examples: { all: { summary: 'Every provider account', value: {} } },
  })
  @ApiAcceptedResponse({
    type: SyncAcceptedDto,
    description: 'The sync job (new, or the one already active)',
  })
  async start(
    @Body() dto: StartSyncDto,
    @CurrentAuth() auth: AuthContext,
    @Req() request: FastifyRequest,
  ): Promise<SyncAcceptedDto> {
    const { job } = await this.sync.trigger(dto?.providerAccountId, 'api', auth, String(request.id));
    return { id: job.id, type: job.type, status: job.status };
  }
}
