import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetails, ProblemFieldError } from '../common/problem/problem-details';
import { applyOpenApiConventions } from './openapi-conventions';
import { EVENT_TAGS } from '../webhooks/webhook-docs';

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
  { name: 'usage', description: 'Traffic over time per sub-user, and rolled up (JSON, CSV, NDJSON)' },
  { name: 'health', description: 'Liveness and readiness' },
  ...EVENT_TAGS,
];

const DESCRIPTION = `Manage proxy sub-users on Webshare, ProxyHat and IPRoyal through one normalized API.

* Authenticate with \`Authorization: Bearer <key>\` (press **Authorize**). In demo mode the admin key is printed once at first start and kept in \`./data/admin-key\`.
* **Try it out** on \`POST /v1/sub-users\`: pick the example of a provider (Webshare, ProxyHat, IPRoyal) and press **Execute**; the demo's sandbox accounts are each provider's default, so the examples work as they are. Fields a provider cannot hold are refused together, in one \`422 UNSUPPORTED_BY_PROVIDER\` with every field in \`errors\`.
* Filter lists on your own tags with \`metadata[customerId]=c-42\` (or \`metadata.customerId=c-42\`).
* Every error is \`application/problem+json\` with a stable \`code\` and a \`source\` that says whether the gateway or the provider refused the call; each operation lists the codes it can answer, with an example of each.
* Every answer carries \`X-Request-Id\`; answers of authenticated routes carry \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\` (past the limit: \`429 RATE_LIMITED\` with \`Retry-After\`).
* Any request can also be refused at the edge before it reaches an operation: \`408 REQUEST_TIMEOUT\` (headers or body too slow) and \`431 HEADERS_TOO_LARGE\`, after which the connection is closed.
* Traffic amounts are bytes in responses; inputs accept bytes or strings such as \`"5GB"\` (1 GB = 1024³ bytes).
* This document is committed as \`openapi.json\`; a typed TypeScript client is generated from it (\`clients/typescript\`).`;

export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Sub-user gateway')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    // Relative: the gateway that serves this document (Swagger UI calls the host it was loaded from).
    .addServer('/', 'This gateway')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque API key',
        description:
          'A gateway API key (`sgw_…`), as `Authorization: Bearer <key>`: an opaque random string, not a JWT',
      },
      'bearer',
    );
  for (const tag of API_TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ProblemDetails, ProblemFieldError],
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.info.license = { name: 'Proprietary (UNLICENSED)' };
  document.info.contact = { name: 'The sub-user gateway team (see README.md)' };
  return applyOpenApiConventions(document);
}

export function mountSwagger(app: INestApplication, version: string): OpenAPIObject {
  const document = buildOpenApiDocument(app, version);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  return document;
}
