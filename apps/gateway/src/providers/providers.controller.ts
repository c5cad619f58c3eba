import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProviderRegistry } from '@app/providers';
import { RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';
import { ProviderListDto } from './provider.dto';

@ApiTags('providers')
@ApiBearerAuth('bearer')
@RequireScopes('sub-users:read')
@Controller('v1/providers')
export class ProvidersController {
  constructor(private readonly registry: ProviderRegistry) {}

  @Get()
  @ApiOperation({
    summary: 'Supported providers, their capabilities and how each normalized field is held',
    description:
      'What each provider can do (capabilities) and, per field of the create and update bodies, whether the provider holds it (native), the gateway keeps it (gateway) or it is refused with 422 UNSUPPORTED_BY_PROVIDER (unsupported). One page.',
  })
  @ApiOkResponse({ type: ProviderListDto })
  @ApiProblemResponses(401, 403)
  list(): ProviderListDto {
    return {
      items: this.registry.supportedProviders().map((name) => ({ name, ...this.registry.describe(name) })),
      nextCursor: null,
    };
  }
}
