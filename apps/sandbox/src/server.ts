import Fastify, { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Socket } from 'node:net';
import { registerAdminRoutes } from './admin-routes';
import { CallCounter } from './call-counter';
import {
  DEFAULT_IPROYAL_BALANCE_GB,
  DEFAULT_IPROYAL_KEY,
  DEFAULT_PROXYHAT_KEY,
  DEFAULT_WEBSHARE_KEY,
  initialRuntimeConfig,
  SandboxOptions,
} from './config';
import { createControl, SandboxControl } from './control';
import { FaultRegistry } from './faults';
import { IPROYAL_PREFIX, registerIproyalRoutes } from './iproyal/routes';
import { IproyalStore } from './iproyal/store';
import { PipelineContext } from './provider-pipeline';
import { ProxyhatStore } from './proxyhat/store';
import { PROXYHAT_PREFIX, registerProxyhatRoutes } from './proxyhat/routes';
import { RateLimiter } from './rate-limiter';
import { registerLenientBodyParsers } from './request-body';
import { gigabytesToBytes } from './traffic-units';
import { registerWebshareRoutes, WEBSHARE_PREFIX } from './webshare/routes';
import { WebshareStore } from './webshare/store';
import { randomUUID } from 'node:crypto';

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  /** `${url}/webshare`, so sub-users are at `${webshareBaseUrl}/api/v2/subuser/` */
  webshareBaseUrl: string;
  /** `${url}/proxyhat/v1`, so sub-users are at `${proxyhatBaseUrl}/sub-users` */
  proxyhatBaseUrl: string;
  /** `${url}/iproyal/v1`, so sub-users are at `${iproyalBaseUrl}/residential-subusers` */
  iproyalBaseUrl: string;
  control: SandboxControl;
  /** Stops listening; also ends requests held open by timeout faults, so it never hangs. */
  close(): Promise<void>;
}

/** Bulk bodies of 20,000 UUIDs are about 0.8 MB; leave room. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const webshareKeys = nonEmpty(options.webshareKeys, DEFAULT_WEBSHARE_KEY);
  const proxyhatKeys = nonEmpty(options.proxyhatKeys, DEFAULT_PROXYHAT_KEY);
  const iproyalKeys = nonEmpty(options.iproyalKeys, DEFAULT_IPROYAL_KEY);
  const iproyalBalanceGb = options.iproyalBalanceGb ?? DEFAULT_IPROYAL_BALANCE_GB;
  if (!Number.isFinite(iproyalBalanceGb) || iproyalBalanceGb < 0) {
    throw new Error('iproyalBalanceGb must be a non-negative number');
  }
  const context: PipelineContext = {
    config: initialRuntimeConfig(options),
    faults: new FaultRegistry(),
    calls: new CallCounter(),
    rateLimiters: { webshare: new RateLimiter(), proxyhat: new RateLimiter(), iproyal: new RateLimiter() },
    hangingSockets: new Set<Socket>(),
  };
  const webshare = new WebshareStore(webshareKeys);
  const proxyhat = new ProxyhatStore(proxyhatKeys);
  const iproyal = new IproyalStore(iproyalKeys, gigabytesToBytes(iproyalBalanceGb));
  const urls = { origin: '' };
  const control = createControl({
    ...context,
    webshareKeys,
    proxyhatKeys,
    iproyalKeys,
    iproyalBalanceGb,
    webshare,
    proxyhat,
    iproyal,
    origin: () => urls.origin,
  });
  control.reset({
    seedWebshare: options.seedWebshare ?? 0,
    seedProxyhat: options.seedProxyhat ?? 0,
    seedIproyal: options.seedIproyal ?? 0,
  });

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    forceCloseConnections: true,
  });
  registerLenientBodyParsers(app);
  registerWebshareRoutes(app, context, webshare);
  registerProxyhatRoutes(app, context, proxyhat);
  registerIproyalRoutes(app, context, iproyal);
  registerAdminRoutes(app, control);
  app.setNotFoundHandler((request, reply) => answerByPrefix(request, reply, 404, 'Not found.'));
  app.setErrorHandler((error: FastifyError, request, reply) =>
    answerByPrefix(request, reply, error.statusCode ?? 500, error.message),
  );

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('sandbox is not listening on TCP');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  urls.origin = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    webshareBaseUrl: `${url}${WEBSHARE_PREFIX}`,
    proxyhatBaseUrl: `${url}${PROXYHAT_PREFIX}`,
    iproyalBaseUrl: `${url}${IPROYAL_PREFIX}`,
    control,
    close() {
      closing ??= (async () => {
        for (const socket of context.hangingSockets) socket.destroy();
        context.hangingSockets.clear();
        await app.close();
      })();
      return closing;
    },
  };
}

/** Unknown routes and framework errors, worded like the provider the path belongs to. */
function answerByPrefix(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const path = request.url.split('?')[0];
  if (path.startsWith(`${WEBSHARE_PREFIX}/`)) {
    const detail = status === 404 ? 'Not found.' : status >= 500 ? 'A server error occurred.' : message;
    return reply.code(status).header('x-request-id', randomUUID().replace(/-/g, '')).send({ detail });
  }
  if (path.startsWith(`${IPROYAL_PREFIX}/`) || path === IPROYAL_PREFIX) {
    // Laravel: `The route v1/... could not be found.`; other errors keep their message, 5xx hide it.
    const route = path.slice('/iproyal/'.length);
    const text =
      status === 404 ? `The route ${route} could not be found.` : status >= 500 ? 'Server Error' : message;
    return reply.code(status).send({ message: text });
  }
  if (path.startsWith(`${PROXYHAT_PREFIX}/`) || path === PROXYHAT_PREFIX) {
    const route = path.slice('/proxyhat/'.length);
    const description = status === 404 ? `The route ${route} could not be found.` : message;
    return reply
      .code(status)
      .send(
        status === 404
          ? { message: description }
          : { success: false, payload: null, errors: [], description },
      );
  }
  return reply.code(status).send({ error: status === 404 ? 'Not Found' : message });
}

function nonEmpty(keys: string[] | undefined, fallback: string): string[] {
  const cleaned = (keys ?? []).map((key) => key.trim()).filter((key) => key.length > 0);
  return cleaned.length > 0 ? [...new Set(cleaned)] : [fallback];
}
