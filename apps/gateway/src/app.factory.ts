import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ProviderRegistryOptions } from '@app/providers';
import { AppModule } from './app.module';
import { MetricsService } from './observability/metrics.service';
import { GatewayConfig } from './config/gateway-config';
import { createValidationPipe } from './common/validation';
import { EdgeInputGuard } from './common/edge-input.guard';
import { mountSwagger } from './docs/swagger';
import { GATEWAY_VERSION } from './version';
import { parseQueryString } from './common/query-string';
import { replyWithProblem } from './common/problem/problem-details.filter';
import { answerClientError } from './common/problem/client-errors';
import { RequestAuthenticator } from './access/request-authenticator';

// A caller's X-Request-Id is kept when it is short and plain, so it cannot forge log lines.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Builds the gateway application (not yet listening): used by main.ts and the e2e tests. */
export interface GatewayAppOptions {
  /** Driver settings (tests shorten retries and timeouts). */
  registry?: ProviderRegistryOptions;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream;
}

export async function createGatewayApp(
  config: GatewayConfig,
  options: GatewayAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // Slow senders cannot hold connections: headers, then the whole request, must arrive in
    // time or the client gets 408 and the connection closes. Node checks the deadlines every
    // `connectionsCheckingInterval` (30 s by default, which let a late client linger that long).
    requestTimeout: config.http.requestTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(
        1000,
        Math.max(100, Math.floor(config.http.headersTimeoutMs / 4)),
      ),
    },
    clientErrorHandler: answerClientError,
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFor(request.headers['x-request-id']),
    trustProxy: true,
    routerOptions: { querystringParser: parseQueryString },
    // Errors the router raises before any route runs (bad URL encoding, an over-long path
    // parameter) are answered as problem+json too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      void replyWithProblem(request, reply.header('x-request-id', request.id), error);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.registry, options.logStream),
    adapter,
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(PinoLogger));

  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only: any other body type is refused (400 MALFORMED_REQUEST), not parsed.
  fastify.removeContentTypeParser(['text/plain']);
  let draining = false;
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // While shutting down, answers in flight close their connection so the drain can end
    // (an idle keep-alive connection would otherwise hold the server open).
    if (draining) reply.header('connection', 'close');
  });
  fastify.addHook('preClose', async () => {
    draining = true;
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  // Swagger UI needs inline scripts and styles; the API itself sends JSON only. Helmet's
  // middleware is built once: @fastify/helmet built it again on every request (its CSP directives
  // parsed each time, ~2.5 % of a fresh read's CPU); the headers are the same.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        // Not upgraded: Swagger UI's "Try it out" calls the gateway over plain http in the demo.
        upgradeInsecureRequests: null,
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, () => done());
  });

  // Callers of protected routes are authenticated before their body is read; after helmet, whose
  // onRequest hook must set the security headers on that early answer too.
  app.get(RequestAuthenticator).install(fastify);

  // After NestFactory.create registered the modules' global guards (rate limit, scopes), so this
  // one runs last of them and before any interceptor or pipe reads the input (edge-input.guard.ts).
  app.useGlobalGuards(new EdgeInputGuard());
  app.useGlobalPipes(createValidationPipe());
  mountSwagger(app, GATEWAY_VERSION);
  return app;
}
