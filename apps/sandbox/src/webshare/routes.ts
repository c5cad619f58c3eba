import { FastifyInstance, FastifyRequest } from 'fastify';
import { PipelineContext, providerRoute, queryValue, SandboxReply } from '../provider-pipeline';
import { drfError, drfNotFound, webshareProtocol } from './protocol';
import { pageJson, subuserJson, webshareJson } from './serialize';
import { WebshareSubuser } from './types';
import { WebshareStore } from './store';
import { validateSubuserBody } from './validation';
import { withPlan, withSubuserId } from './plan-params';
import { WEBSHARE_PREFIX } from './prefix';
import { registerWebshareProxyConfigRoutes } from './proxy-config';

export { WEBSHARE_PREFIX } from './prefix';
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

type IdParams = { id: string };

/** Webshare's sub-user API v2 under /webshare/api/v2. */
export function registerWebshareRoutes(
  app: FastifyInstance,
  context: PipelineContext,
  store: WebshareStore,
): void {
  const protocol = webshareProtocol((key) => store.hasAccount(key));
  const base = `${WEBSHARE_PREFIX}/api/v2`;

  app.get(
    `${base}/subuser/`,
    providerRoute(context, protocol, 'list', (call) =>
      withPlan(call, (planId) => listPage(call.request, store.list(call.key, planId))),
    ),
  );

  app.post(
    `${base}/subuser/`,
    providerRoute(context, protocol, 'create', (call) =>
      withPlan(call, (planId) => {
        const validation = validateSubuserBody(call.body);
        if ('errors' in validation) return { status: 400, body: webshareJson(validation.errors) };
        return { status: 201, body: subuserJson(store.create(call.key, planId, validation.input)) };
      }),
    ),
  );

  app.get(
    `${base}/subuser/:id/`,
    providerRoute<IdParams>(context, protocol, 'get', (call) =>
      withSubuserId(call, (planId, id) => found(store.get(call.key, planId, id))),
    ),
  );

  const update = providerRoute<IdParams>(context, protocol, 'update', (call) =>
    withSubuserId(call, (planId, id) => {
      if (store.get(call.key, planId, id) === undefined) return drfNotFound();
      const validation = validateSubuserBody(call.body);
      if ('errors' in validation) return { status: 400, body: webshareJson(validation.errors) };
      return found(store.update(call.key, planId, id, validation.input));
    }),
  );
  app.patch(`${base}/subuser/:id/`, update);
  app.put(`${base}/subuser/:id/`, update);

  app.delete(
    `${base}/subuser/:id/`,
    providerRoute<IdParams>(context, protocol, 'delete', (call) =>
      withSubuserId(call, (planId, id) =>
        store.delete(call.key, planId, id) ? { status: 204 } : drfNotFound(),
      ),
    ),
  );

  const refresh = providerRoute<IdParams>(context, protocol, 'refresh', (call) =>
    withSubuserId(call, (planId, id) => {
      const subuser = store.get(call.key, planId, id);
      if (subuser === undefined) return drfNotFound();
      // Webshare only refreshes custom proxy lists; proxy_countries null means there is none.
      if (subuser.proxy_countries === null) {
        return drfError(400, 'Cannot refresh proxy list of a user without custom proxy list.', {
          code: 'invalid',
        });
      }
      return found(store.refresh(call.key, planId, id));
    }),
  );
  // The example and the SDKs POST; the seed's request line says GET: both refresh.
  app.post(`${base}/subuser/:id/refresh/`, refresh);
  app.get(`${base}/subuser/:id/refresh/`, refresh);

  registerWebshareProxyConfigRoutes(app, context, protocol, store);
}

function found(subuser: WebshareSubuser | undefined): SandboxReply {
  return subuser === undefined ? drfNotFound() : { status: 200, body: subuserJson(subuser) };
}

/**
 * DRF PageNumberPagination: `page` (or "last"), `page_size` (default 10, capped at 100, invalid
 * values fall back to the default), absolute next/previous links that keep the other query
 * parameters (sorted, as DRF's replace_query_param does; page 1 drops `page`).
 */
function listPage(request: FastifyRequest, all: readonly WebshareSubuser[]): SandboxReply {
  const query = request.query as Record<string, string | string[] | undefined>;
  const requestedSize = Number(queryValue(query.page_size));
  const pageSize =
    Number.isInteger(requestedSize) && requestedSize > 0
      ? Math.min(requestedSize, MAX_PAGE_SIZE)
      : DEFAULT_PAGE_SIZE;
  const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
  const rawPage = queryValue(query.page) ?? '1';
  const page = rawPage === 'last' ? pageCount : /^\d+$/.test(rawPage) ? Number(rawPage) : NaN;
  if (!Number.isInteger(page) || page < 1 || page > pageCount) return drfError(404, 'Invalid page.');

  const start = (page - 1) * pageSize;
  return {
    status: 200,
    body: pageJson(
      all.length,
      page < pageCount ? pageUrl(request, page + 1) : null,
      page > 1 ? pageUrl(request, page - 1) : null,
      all.slice(start, start + pageSize),
    ),
  };
}

function pageUrl(request: FastifyRequest, page: number): string {
  const [path, rawQuery = ''] = request.url.split('?', 2);
  const params = new URLSearchParams(rawQuery);
  params.delete('page');
  if (page > 1) params.set('page', String(page));
  params.sort();
  const query = params.toString();
  const forwardedProto = request.headers['x-forwarded-proto'];
  const scheme = typeof forwardedProto === 'string' ? forwardedProto.split(',')[0].trim() : 'http';
  return `${scheme}://${request.headers.host ?? 'localhost'}${path}${query ? `?${query}` : ''}`;
}
