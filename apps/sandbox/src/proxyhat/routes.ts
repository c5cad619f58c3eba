import { FastifyInstance } from 'fastify';
import { ProxyhatOperation } from '../faults';
import { PipelineContext, ProviderHandler, providerRoute } from '../provider-pipeline';
import { envelope, failure, proxyhatProtocol, validationFailed } from './protocol';
import { ProxyhatStore } from './store';
import { validateGroupBody, validateIds, validateSubUserBody, validateTargetGroup } from './validation';

export const PROXYHAT_PREFIX = '/proxyhat/v1';

type UuidParams = { uuid: string };
type GroupParams = { id: string };

const subUserNotFound = () => failure(404, 'Sub-user not found.');
const groupNotFound = () => failure(404, 'Sub-user group not found.');

/** ProxyHat's sub-user API v1 under /proxyhat/v1. */
export function registerProxyhatRoutes(
  app: FastifyInstance,
  context: PipelineContext,
  store: ProxyhatStore,
): void {
  const protocol = proxyhatProtocol((key) => store.hasAccount(key), context.config);
  const route = <P = Record<string, string>>(operation: ProxyhatOperation, handler: ProviderHandler<P>) =>
    providerRoute<P>(context, protocol, operation, handler);
  const base = `${PROXYHAT_PREFIX}/sub-users`;
  const groups = `${PROXYHAT_PREFIX}/sub-user-groups`;

  app.get(
    base,
    route('list', (call) => envelope(store.list(call.key))),
  );

  app.post(
    base,
    route('create', (call) => {
      const validation = validateSubUserBody(call.body, 'create', (id) => store.hasGroup(call.key, id));
      if ('errors' in validation) return validationFailed(validation.errors);
      return envelope(store.create(call.key, validation.input), 201);
    }),
  );

  app.get(
    `${base}/:uuid`,
    route<UuidParams>('get', (call) => {
      const subUser = store.get(call.key, call.params.uuid);
      return subUser === undefined ? subUserNotFound() : envelope(subUser);
    }),
  );

  const update = route<UuidParams>('update', (call) => {
    if (store.get(call.key, call.params.uuid) === undefined) return subUserNotFound();
    const validation = validateSubUserBody(call.body, 'update', (id) => store.hasGroup(call.key, id));
    if ('errors' in validation) return validationFailed(validation.errors);
    return envelope(store.update(call.key, call.params.uuid, validation.input));
  });
  app.put(`${base}/:uuid`, update);
  app.patch(`${base}/:uuid`, update);

  app.delete(
    `${base}/:uuid`,
    route<UuidParams>('delete', (call) => {
      const outcome = store.markDeleting(call.key, call.params.uuid, context.config.asyncDeleteMs);
      if (outcome === 'not-found') return subUserNotFound();
      if (outcome === 'default-user') {
        return failure(422, 'The default sub-user cannot be deleted.', {
          sub_user: ['The default sub-user cannot be deleted.'],
        });
      }
      // Deleting twice answers like the first time: the deletion is already under way.
      return envelope({ deleted: true, status: 'deleting' });
    }),
  );

  app.post(
    `${base}/bulk-delete`,
    route('bulkDelete', (call) => {
      const validation = validateIds(call.body);
      if ('errors' in validation) return validationFailed(validation.errors);
      return envelope(store.bulkDelete(call.key, validation.input, context.config.asyncDeleteMs));
    }),
  );

  app.post(
    `${base}/reset/usage`,
    route('resetUsage', (call) => {
      const validation = validateIds(call.body);
      if ('errors' in validation) return validationFailed(validation.errors);
      return envelope({ reset: store.resetUsage(call.key, validation.input) });
    }),
  );

  app.post(
    `${base}/bulk-move-to-group`,
    route('moveToGroup', (call) => {
      const ids = validateIds(call.body);
      const group = validateTargetGroup(call.body, (id) => store.hasGroup(call.key, id));
      if ('errors' in ids || 'errors' in group) {
        return validationFailed({
          ...('errors' in ids ? ids.errors : {}),
          ...('errors' in group ? group.errors : {}),
        });
      }
      return envelope(store.moveToGroup(call.key, ids.input, group.input));
    }),
  );

  app.get(
    groups,
    route('groups', (call) => envelope(store.listGroups(call.key))),
  );

  app.post(
    groups,
    route('groups', (call) => {
      const validation = validateGroupBody(call.body, 'create');
      if ('errors' in validation) return validationFailed(validation.errors);
      return envelope(store.createGroup(call.key, validation.input), 201);
    }),
  );

  app.get(
    `${groups}/:id`,
    route<GroupParams>('groups', (call) => {
      const group = store.getGroup(call.key, call.params.id);
      return group === undefined ? groupNotFound() : envelope(group);
    }),
  );

  const updateGroup = route<GroupParams>('groups', (call) => {
    if (store.getGroup(call.key, call.params.id) === undefined) return groupNotFound();
    const validation = validateGroupBody(call.body, 'update');
    if ('errors' in validation) return validationFailed(validation.errors);
    return envelope(store.updateGroup(call.key, call.params.id, validation.input));
  });
  app.put(`${groups}/:id`, updateGroup);
  app.patch(`${groups}/:id`, updateGroup);

  app.delete(
    `${groups}/:id`,
    route<GroupParams>('groups', (call) =>
      store.deleteGroup(call.key, call.params.id) ? envelope({ deleted: true }) : groupNotFound(),
    ),
  );
}
