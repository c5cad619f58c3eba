import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetails, ProblemFieldError } from '../common/problem/problem-details';

export const API_TAGS = [
  { name: 'sub-users', description: 'Proxy sub-users across every provider, through one normalized model' },
  { name: 'providers', description: 'Supported providers, their capabilities and field support' },
  {
    name: 'provider-accounts',
    description: 'The provider accounts (API keys) the gateway acts with (admin)',
  },
  { name: 'jobs', description: 'Long-running work: bulk operations and syncs' },
  { name: 'audit', description: 'Every change made through the gateway' },
  { name: 'access', description: 'Gateway API keys and tenants (admin)' },
  { name: 'health', description: 'Liveness and readiness' },
];

const DESCRIPTION = `Manage proxy sub-users on Webshare and ProxyHat through one normalized API.

* Authenticate with \`Authorization: Bearer <key>\` (press **Authorize**). In demo mode the admin key is printed once at first start and kept in \`./data/admin-key\`.
* Every error is \`application/problem+json\` with a stable \`code\` and a \`source\` that says whether the gateway or the provider refused the call.
* Traffic amounts are bytes in responses; inputs accept bytes or strings such as \`"5GB"\` (1 GB = 1024³ bytes).`;

export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Sub-user gateway')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A gateway API key' }, 'bearer');
  for (const tag of API_TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ProblemDetails, ProblemFieldError],
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return withProblemContentType(document);
}

type DocumentedResponses = Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;

/**
 * Error answers are sent as application/problem+json: a response documented with the
 * ProblemDetails schema under application/json (the Swagger decorators' default) is moved there.
 */
function withProblemContentType(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ responses?: DocumentedResponses }>) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json?.schema?.$ref === '#/components/schemas/ProblemDetails') {
          response.content = { 'application/problem+json': json };
        }
      }
    }
  }
  return document;
}

export function mountSwagger(app: INestApplication, version: string): OpenAPIObject {
  const document = buildOpenApiDocument(app, version);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  return document;
}
