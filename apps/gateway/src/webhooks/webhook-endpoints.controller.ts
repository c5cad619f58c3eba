import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AuthContext, CurrentAuth, RequireScopes } from '../access/auth-context';
import { RequestId } from '../access/request-id';
import { ApiPageResponse, Page, PaginationQueryDto } from '../common/pagination';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { idempotencySlotOf } from '../idempotency/idempotency.interceptor';
import { ChangeEndpoint } from './use-cases/change-endpoint/change-endpoint.use-case';
import { EndpointDeliveries } from './use-cases/deliveries/deliveries.use-case';
import { QueryEndpoints } from './use-cases/query-endpoints/query-endpoints.use-case';
import { RegisterEndpoint } from './use-cases/register-endpoint/register-endpoint.use-case';
import { RemoveEndpoint } from './use-cases/remove-endpoint/remove-endpoint.use-case';
import { RotateSecret } from './use-cases/rotate-secret/rotate-secret.use-case';
import { EVENT_TYPES_TABLE, SIGNATURE_SCHEME } from './webhook-docs';
import {
  CreateWebhookEndpointDto,
  ListDeliveriesQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
} from './webhook.dto';

const ENDPOINT_ID = { name: 'id', format: 'uuid' };

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly register: RegisterEndpoint,
    private readonly change: ChangeEndpoint,
    private readonly removal: RemoveEndpoint,
    private readonly rotation: RotateSecret,
    private readonly query: QueryEndpoints,
    private readonly deliveries: EndpointDeliveries,
  ) {}

  @Post()
  @RequireScopes('sub-users:write')
  // The answer holds the signing secret: a stored replay is encrypted at rest.
  @Idempotent({ sealResponse: true })
  @ApiOperation({
    summary: 'Register a webhook endpoint',
    description:
      'Events of the key’s tenant (an admin’s: every tenant, or `tenantId`) are POSTed to `url`, signed with `secret`, which only this answer (and rotate-secret’s) shows.\n\n' +
      SIGNATURE_SCHEME +
      '\n\n' +
      EVENT_TYPES_TABLE,
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblemResponses(400, 401, 403, 422)
  create(
    @Body() dto: CreateWebhookEndpointDto,
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @Req() request: FastifyRequest,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.register.execute({ dto, meta: { auth, requestId, idempotency: idempotencySlotOf(request) } });
  }

  @Get()
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'List webhook endpoints, newest first',
    description:
      'Admin keys see every endpoint; other keys their tenant’s. Secrets are never shown again after registration or rotation.',
  })
  @ApiPageResponse(WebhookEndpointDto)
  @ApiProblemResponses(401, 403, 422)
  list(
    @CurrentAuth() auth: AuthContext,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<WebhookEndpointDto>> {
    return this.query.list(auth, query);
  }

  @Get(':id')
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'A webhook endpoint',
    description: 'Another tenant’s endpoint (or, for a tenant key, an admin’s every-tenant one) is 404.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblemResponses(401, 403, 404)
  get(@Param('id') id: string, @CurrentAuth() auth: AuthContext): Promise<WebhookEndpointDto> {
    return this.query.get(id, auth);
  }

  @Patch(':id')
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description:
      'Absent field = unchanged; `events: null` = every type; `enabled: true` resumes a disabled endpoint (its pending deliveries go out).',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblemResponses(400, 401, 403, 404, 422)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
  ): Promise<WebhookEndpointDto> {
    return this.change.execute({ id, dto, meta: { auth, requestId } });
  }

  @Delete(':id')
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Remove a webhook endpoint',
    description:
      'Its delivery log goes with it and nothing more is sent to it; the answer is the endpoint as it was.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblemResponses(401, 403, 404)
  remove(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
  ): Promise<WebhookEndpointDto> {
    return this.removal.execute({ id, meta: { auth, requestId } });
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @Idempotent({ sealResponse: true })
  @ApiOperation({
    summary: 'Give the endpoint a new signing secret',
    description:
      'The new `secret` is shown only in this answer. For 24 hours the previous secret keeps signing beside it (two space-separated signatures in `webhook-signature`), so receivers can switch without losing a message.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblemResponses(401, 403, 404)
  rotateSecret(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @RequestId() requestId: string,
    @Req() request: FastifyRequest,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.rotation.execute({ id, meta: { auth, requestId, idempotency: idempotencySlotOf(request) } });
  }

  @Get(':id/deliveries')
  @RequireScopes('sub-users:read')
  @ApiOperation({
    summary: 'The endpoint’s deliveries, newest first',
    description:
      'One per event: attempts made, the last attempt’s status code, duration and error, and the next attempt.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiPageResponse(WebhookDeliveryDto)
  @ApiProblemResponses(401, 403, 404, 422)
  listDeliveries(
    @Param('id') id: string,
    @CurrentAuth() auth: AuthContext,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    return this.deliveries.list(id, auth, query);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Send a delivery again now',
    description:
      'Any delivery, a given-up one included, gets one more attempt at once; the answer is the delivery after it. While an earlier event of the same sub-user is still pending for this endpoint it waits for it (status pending).',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDeliveryDto })
  @ApiProblemResponses(401, 403, 404)
  retry(
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
    @CurrentAuth() auth: AuthContext,
  ): Promise<WebhookDeliveryDto> {
    return this.deliveries.retry(id, deliveryId, auth);
  }

  @Post(':id/test')
  @HttpCode(200)
  @RequireScopes('sub-users:write')
  @ApiOperation({
    summary: 'Send a webhook.test event to this endpoint now',
    description:
      'Signed like every delivery and sent at once, to this endpoint only; the answer is the delivery after the attempt (a failed one is retried like any other). The test event is not in the feed.',
  })
  @ApiParam(ENDPOINT_ID)
  @ApiOkResponse({ type: WebhookDeliveryDto })
  @ApiProblemResponses(401, 403, 404)
  test(@Param('id') id: string, @CurrentAuth() auth: AuthContext): Promise<WebhookDeliveryDto> {
    return this.deliveries.test(id, auth);
  }
}
