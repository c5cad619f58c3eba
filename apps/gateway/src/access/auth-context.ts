import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';

export const ALL_SCOPES = ['sub-users:read', 'sub-users:write', 'sub-users:credentials', 'admin'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

/** Who is calling: resolved from the API key by the global guard on every non-public route. */
export interface AuthContext {
  keyId: string;
  tenantId: string;
  scopes: Scope[];
  /** The key has the `admin` scope, which implies every other scope and sees every tenant. */
  isAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

export const IS_PUBLIC = 'sgw:public';
export const REQUIRED_SCOPES = 'sgw:required-scopes';

/** The route answers without an API key (health, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Every listed scope is needed; `admin` implies all of them. Class and method lists add up. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** The caller's AuthContext (set by the guard; a public route has none and gets an error). */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (!request.auth) throw new GatewayError('UNAUTHENTICATED', 'This route needs an API key');
  return request.auth;
});

export function hasScope(auth: AuthContext, scope: Scope): boolean {
  return auth.isAdmin || auth.scopes.includes(scope);
}

/** Tenancy rule: admins reach every tenant, everyone else only their own. */
export function canAccessTenant(auth: AuthContext, tenantId: string | null | undefined): boolean {
  return auth.isAdmin || (tenantId !== null && tenantId !== undefined && tenantId === auth.tenantId);
}
