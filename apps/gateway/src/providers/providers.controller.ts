import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { FieldSupportTable, ProviderCapabilities } from '@app/domain';
// The examples are the real ProxyHat description, so the docs cannot drift from the driver.
import { PROXYHAT_DESCRIPTION, ProviderRegistry } from '@app/providers';
import { RequireScopes } from '../access/auth-context';
import { ApiProblemResponses } from '../common/problem/problem-responses';

class ProviderDto {
  @ApiProperty({ example: 'proxyhat' })
  name!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What the provider can do, and what the gateway emulates',
    example: PROXYHAT_DESCRIPTION.capabilities,
  })
  capabilities!: ProviderCapabilities;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Per normalized field: native (the provider holds it), gateway (kept by the gateway) or unsupported (422 UNSUPPORTED_BY_PROVIDER)',
    example: PROXYHAT_DESCRIPTION.fields,
  })
  fields!: FieldSupportTable;
}

class ProviderListDto {
  @ApiProperty({ type: [ProviderDto] })
  items!: ProviderDto[];

  @ApiProperty({ nullable: true, type: String, example: null })
  nextCursor!: string | null;
}

@ApiTags('providers')
@ApiBearerAuth('bearer')
@RequireScopes('sub-users:read')
@Controller('v1/providers')
export class ProvidersController {
  constructor(private readonly registry: ProviderRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Supported providers, their capabilities and how each normalized field is held' })
  @ApiOkResponse({ type: ProviderListDto })
  @ApiProblemResponses(401, 403)
  list(): ProviderListDto {
    return {
      items: this.registry.supportedProviders().map((name) => ({ name, ...this.registry.describe(name) })),
      nextCursor: null,
    };
  }
}
