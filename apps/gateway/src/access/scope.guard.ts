import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';
import { IS_PUBLIC, REQUIRED_SCOPES, Scope, hasScope } from './auth-context';
import { RequestAuthenticator } from './request-authenticator';

/**
 * Global guard: every route not marked @Public() needs the scopes named by @RequireScopes on
 * the class and the method. The caller was authenticated before the body was read (the
 * RequestAuthenticator's hook); a route that hook somehow missed is authenticated here.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const http = context.switchToHttp();
    const auth = await this.authenticator.authenticate(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
    );
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
