import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@app/domain';
import { replyWithProblem } from '../common/problem/problem-details.filter';
import { ApiKeysService } from './api-keys.service';
import { AuthContext, IS_PUBLIC } from './auth-context';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authenticates the caller from `Authorization: Bearer <key>` as soon as the request line and
 * headers are in (a Fastify onRequest hook), before any body is read: an unauthenticated caller
 * cannot make the gateway buffer or wait for a body. Which routes need a key comes from the
 * controllers' @Public() metadata, the same the guards read; Swagger's pages and unknown paths
 * are not controller routes and pass (an unknown path answers 404).
 */
@Injectable()
export class RequestAuthenticator {
  private readonly scanner = new MetadataScanner();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  install(fastify: FastifyInstance): void {
    const protectedRoutes = this.protectedRoutes();
    fastify.addHook('onRequest', async (request, reply) => {
      if (!isProtected(protectedRoutes, request)) return;
      try {
        await this.authenticate(request, reply);
      } catch (error) {
        // The body (if any) is never read: close the connection rather than drain it.
        if (hasBody(request)) void reply.header('connection', 'close');
        return replyWithProblem(request, reply, error);
      }
    });
    // A route this table misses would read its body before authenticating: refuse to start.
    fastify.addHook('onReady', async () => {
      for (const route of protectedRoutes) {
        const [method, url] = route.split(' ');
        if (method !== 'ALL' && !fastify.hasRoute({ method: method as 'GET', url })) {
          throw new Error(`Authentication table names ${route}, which Fastify does not serve`);
        }
      }
    });
  }

  /** Sets `request.auth` from the bearer key; throws 401 UNAUTHENTICATED (with WWW-Authenticate). */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthContext> {
    if (request.auth) return request.auth;
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
    (request.raw as { auth?: AuthContext }).auth = auth;
    return auth;
  }

  /** `METHOD /path` of every controller route without @Public(), as Fastify names its routes. */
  private protectedRoutes(): Set<string> {
    const routes = new Set<string>();
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const classPaths = asList(Reflect.getMetadata(PATH_METADATA, metatype));
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (methodPaths === undefined) continue;
        if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, metatype])) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        for (const classPath of classPaths) {
          for (const methodPath of asList(methodPaths))
            routes.add(`${method} ${joinPath(classPath, methodPath)}`);
        }
      }
    }
    return routes;
  }
}

function isProtected(routes: Set<string>, request: FastifyRequest): boolean {
  const url = request.routeOptions.url;
  if (url === undefined) return false;
  // Fastify answers HEAD on GET routes.
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  return routes.has(`${method} ${url}`) || routes.has(`ALL ${url}`);
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [value === undefined ? '' : String(value)];
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}
