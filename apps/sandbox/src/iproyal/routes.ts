import { FastifyInstance, FastifyRequest } from 'fastify';
import { IproyalOperation } from '../faults';
import {
  PipelineContext,
  ProviderHandler,
  providerRoute,
  queryValue,
  SandboxReply,
} from '../provider-pipeline';
import { bytesToGigabytes } from '../traffic-units';
import { iproyalProtocol, subuserNotFound, unprocessable } from './protocol';
import { IproyalStore, TrafficMove } from './store';
import { validateAmount, validateListQuery, validateSubuserBody } from './validation';

export const IPROYAL_PREFIX = '/iproyal/v1';

type HashParams = { hash: string };

/** IPRoyal's residential sub-user API v1 under /iproyal/v1. */
export function registerIproyalRoutes(
  app: FastifyInstance,
  context: PipelineContext,
  store: IproyalStore,
): void {
  const protocol = iproyalProtocol((key) => store.hasAccount(key), context.config);
  const route = <P = Record<string, string>>(operation: IproyalOperation, handler: ProviderHandler<P>) =>
    providerRoute<P>(context, protocol, operation, handler);
  const base = `${IPROYAL_PREFIX}/residential-subusers`;

  app.get(
    `${IPROYAL_PREFIX}/me`,
    route('me', (call) => ({ status: 200, body: store.me(call.key) })),
  );

  app.get(
    base,
    route('list', (call) => {
      const validation = validateListQuery({
        page: queryValue(call.query.page),
        per_page: queryValue(call.query.per_page),
      });
      if ('errors' in validation) return unprocessable(validation.errors);
      const { page, perPage } = validation.input;
      const search = (queryValue(call.query.search) ?? '').trim();
      const { total, items } = store.page(call.key, search, (page - 1) * perPage, perPage);
      const from = items.length > 0 ? (page - 1) * perPage + 1 : null;
      return {
        status: 200,
        body: {
          data: items,
          // Laravel's LengthAwarePaginator fields, exactly those the docs list (see README).
          meta: {
            current_page: page,
            from,
            last_page: Math.max(1, Math.ceil(total / perPage)),
            path: pagePath(call.request),
            per_page: perPage,
            to: from === null ? null : from + items.length - 1,
            total,
          },
        },
      };
    }),
  );

  app.post(
    base,
    route('create', (call) => {
      const validation = validateSubuserBody(call.body, 'create', (name) =>
        store.usernameTaken(call.key, name),
      );
      if ('errors' in validation) return unprocessable(validation.errors);
      // Laravel answers 201 for a resource whose model was created in the request.
      return moved(store.create(call.key, validation.input), '', 'traffic', insufficientBalance, 201);
    }),
  );

  app.get(
    `${base}/:hash`,
    route<HashParams>('get', (call) => {
      const subuser = store.get(call.key, call.params.hash);
      return subuser === undefined ? subuserNotFound(call.params.hash) : { status: 200, body: subuser };
    }),
  );

  // Laravel's apiResource routes PUT and PATCH to the same update action.
  const update = route<HashParams>('update', (call) => {
    const { hash } = call.params;
    if (store.get(call.key, hash) === undefined) return subuserNotFound(hash);
    const validation = validateSubuserBody(call.body, 'update', (name) =>
      store.usernameTaken(call.key, name, hash),
    );
    if ('errors' in validation) return unprocessable(validation.errors);
    return moved(store.update(call.key, hash, validation.input), hash, 'traffic', insufficientBalance);
  });
  app.put(`${base}/:hash`, update);
  app.patch(`${base}/:hash`, update);

  app.delete(
    `${base}/:hash`,
    route<HashParams>('delete', (call) =>
      store.delete(call.key, call.params.hash) ? { status: 204 } : subuserNotFound(call.params.hash),
    ),
  );

  app.post(
    `${base}/:hash/give-traffic`,
    route<HashParams>('giveTraffic', (call) => {
      const { hash } = call.params;
      if (store.get(call.key, hash) === undefined) return subuserNotFound(hash);
      const validation = validateAmount(call.body);
      if ('errors' in validation) return unprocessable(validation.errors);
      return moved(store.giveTraffic(call.key, hash, validation.input), hash, 'amount', insufficientBalance);
    }),
  );

  app.post(
    `${base}/:hash/take-traffic`,
    route<HashParams>('takeTraffic', (call) => {
      const { hash } = call.params;
      if (store.get(call.key, hash) === undefined) return subuserNotFound(hash);
      const validation = validateAmount(call.body);
      if ('errors' in validation) return unprocessable(validation.errors);
      return moved(
        store.takeTraffic(call.key, hash, validation.input),
        hash,
        'amount',
        (gigabytes) =>
          `The amount must not be greater than the sub-user's available traffic (${gigabytes} GB).`,
      );
    }),
  );
}

const insufficientBalance = (gigabytes: number) =>
  `Insufficient balance: the account has only ${gigabytes} GB of traffic available.`;

/** The sub-user after a traffic move, or 422 on `field` when there was too little traffic. */
function moved(
  result: TrafficMove | undefined,
  hash: string,
  field: string,
  shortMessage: (gigabytes: number) => string,
  status = 200,
): SandboxReply {
  if (result === undefined) return subuserNotFound(hash);
  if ('shortOfBytes' in result) {
    return unprocessable({ [field]: [shortMessage(bytesToGigabytes(result.shortOfBytes))] });
  }
  return { status, body: result.subuser };
}

/** The paginator's `path`: the absolute URL of the list without its query (Laravel's url()). */
function pagePath(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0].replace(/\/+$/, '');
  const forwardedProto = request.headers['x-forwarded-proto'];
  const scheme = typeof forwardedProto === 'string' ? forwardedProto.split(',')[0].trim() : 'http';
  return `${scheme}://${request.headers.host ?? 'localhost'}${path}`;
}
