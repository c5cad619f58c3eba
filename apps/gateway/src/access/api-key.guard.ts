import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';
import { InboundRateLimiter } from '../observability/inbound-rate-limiter';
import { ApiKeysService } from './api-keys.service';
import { IS_PUBLIC, REQUIRED_SCOPES, Scope, hasScope } from './auth-context';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global guard: every route needs `Authorization: Bearer <key>` unless marked @Public(); then
 * the scopes named by @RequireScopes on the class and the method.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly rateLimiter: InboundRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) {
      void reply.header('www-authenticate', 'Bearer realm="subuser-gateway"');
      throw new GatewayError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
    }
    const auth = await this.apiKeys.authenticate(match[1]);
    if (!auth) {
      void reply.header('www-authenticate', 'Bearer realm="subuser-gateway", error="invalid_token"');
      throw new GatewayError('UNAUTHENTICATED', 'The API key is unknown or revoked');
    }
    request.auth = auth;
    // The request log line (written from the raw request) names the caller's key and tenant.
    (request.raw as { auth?: typeof auth }).auth = auth;
    await this.rateLimiter.take(auth.keyId);

    const required = [
      ...(this.reflector.get<Scope[] | undefined>(REQUIRED_SCOPES, context.getClass()) ?? []),
      ...(this.reflector.get<Scope[] | undefined>(REQUIRED_SCOPES, context.getHandler()) ?? []),
    ];
    const missing = required.find((scope) => !hasScope(auth, scope));
    if (missing) {
      throw new GatewayError('FORBIDDEN', `This API key lacks the scope '${missing}'`, {
        extras: { requiredScope: missing },
      });
    }
    return true;
  }
}
