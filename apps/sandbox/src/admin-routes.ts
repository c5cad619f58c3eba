import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigPatch, Provider, PROVIDERS } from './config';
import { ResetOptions, SandboxControl, SandboxControlError, SandboxNotFoundError, SeedSpec } from './control';
import { FaultSpec } from './faults';
import { MalformedJsonBody, UnsupportedMediaBody } from './request-body';
import { PeriodResetSpec, TrafficSpec } from './usage';

export const ADMIN_PREFIX = '/__sandbox';

/** The admin/fault API (no auth): the same operations as RunningSandbox.control. */
export function registerAdminRoutes(app: FastifyInstance, control: SandboxControl): void {
  const handle =
    <T>(
      run: (
        body: T,
        query: Record<string, string | undefined>,
        params: Record<string, string>,
        request: FastifyRequest,
      ) => unknown,
      status = 200,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body;
      if (body instanceof MalformedJsonBody || body instanceof UnsupportedMediaBody) {
        return reply.code(400).send({ error: 'body must be JSON' });
      }
      try {
        const result = run(
          (body ?? {}) as T,
          request.query as Record<string, string | undefined>,
          request.params as Record<string, string>,
          request,
        );
        return reply.code(status).send(result ?? { ok: true });
      } catch (error) {
        if (error instanceof SandboxNotFoundError) return reply.code(404).send({ error: error.message });
        if (error instanceof SandboxControlError) return reply.code(400).send({ error: error.message });
        throw error;
      }
    };

  app.get(
    `${ADMIN_PREFIX}/health`,
    handle(() => ({ status: 'ok' })),
  );
  app.post(
    `${ADMIN_PREFIX}/reset`,
    handle<ResetOptions>((body) => {
      control.reset(body);
      return { reset: true };
    }),
  );
  app.post(
    `${ADMIN_PREFIX}/seed`,
    handle<SeedSpec>((body) => control.seed(body)),
  );
  app.get(
    `${ADMIN_PREFIX}/config`,
    handle(() => control.config()),
  );
  app.patch(
    `${ADMIN_PREFIX}/config`,
    handle<ConfigPatch>((body) => control.configure(body)),
  );
  app.get(
    `${ADMIN_PREFIX}/faults`,
    handle(() => control.faults()),
  );
  app.post(
    `${ADMIN_PREFIX}/faults`,
    handle<FaultSpec>((body) => ({ id: control.addFault(body) })),
  );
  app.delete(
    `${ADMIN_PREFIX}/faults`,
    handle(() => {
      control.clearFaults();
      return { cleared: true };
    }),
  );
  app.delete(`${ADMIN_PREFIX}/faults/:id`, async (request, reply) => {
    const { id } = request.params as { id: string };
    return control.removeFault(id)
      ? reply.send({ removed: id })
      : reply.code(404).send({ error: `no active fault '${id}'` });
  });
  app.get(
    `${ADMIN_PREFIX}/calls`,
    handle(() => control.calls()),
  );
  app.delete(
    `${ADMIN_PREFIX}/calls`,
    handle(() => {
      control.resetCalls();
      return { reset: true };
    }),
  );
  app.get(
    `${ADMIN_PREFIX}/state`,
    handle((_body, query) => {
      const provider = query.provider as Provider;
      if (!PROVIDERS.includes(provider)) {
        throw new SandboxControlError(`query parameter provider must be one of ${PROVIDERS.join(', ')}`);
      }
      return control.state(provider, query.key || undefined);
    }),
  );
  // Base URLs under the address the caller used: inside a container network the sandbox's own
  // listening address (0.0.0.0) would be useless to the gateway.
  app.get(
    `${ADMIN_PREFIX}/accounts`,
    handle((_body, _query, _params, request) => control.accounts(requestOrigin(request))),
  );
  app.post(
    `${ADMIN_PREFIX}/traffic`,
    handle<TrafficSpec>((body) => control.addTraffic(body)),
  );
  app.post(
    `${ADMIN_PREFIX}/period-reset`,
    handle<PeriodResetSpec>((body) => control.resetPeriod(body)),
  );
  app.get(
    `${ADMIN_PREFIX}/iproyal/balance`,
    handle((_body, query) => control.iproyalBalance(query.key || undefined)),
  );
  app.put(
    `${ADMIN_PREFIX}/iproyal/balance`,
    handle<{ key?: string; gb: number }>((body) => control.setIproyalBalance(body)),
  );
}

function requestOrigin(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  if (host === undefined || host === '') return undefined;
  const forwardedProto = request.headers['x-forwarded-proto'];
  const scheme = typeof forwardedProto === 'string' ? forwardedProto.split(',')[0].trim() : 'http';
  return `${scheme}://${host}`;
}
