import { FastifyReply, FastifyRequest } from 'fastify';
import { Socket } from 'node:net';
import { CallCounter } from './call-counter';
import { Provider, RuntimeConfig } from './config';
import { FaultRegistry, Operation } from './faults';
import { RateLimitDecision, RateLimiter } from './rate-limiter';

/** A provider answer: `body` string = already-serialized JSON, object = JSON, undefined = empty. */
export interface SandboxReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How one provider authenticates, throttles and words its errors. */
export interface ProviderProtocol {
  provider: Provider;
  /** Returns the account key, or the provider's 401 answer. */
  authenticate(request: FastifyRequest): string | SandboxReply;
  /** Returns the body to hand to the route, or an error answer (malformed JSON, media type). */
  readBody(request: FastifyRequest): { body: unknown } | { reject: SandboxReply };
  throttled(decision: RateLimitDecision): SandboxReply;
  rateLimitHeaders(decision: RateLimitDecision): Record<string, string> | undefined;
  faultError(status: number): SandboxReply;
  faultRateLimit(retryAfterSeconds: number | undefined): SandboxReply;
  /** Headers on every answer (e.g. Webshare's X-Request-ID). */
  commonHeaders(): Record<string, string> | undefined;
}

export interface ProviderCall<Params = Record<string, string>> {
  request: FastifyRequest;
  params: Params;
  query: Record<string, string | string[] | undefined>;
  key: string;
  body: unknown;
}

export type ProviderHandler<Params = Record<string, string>> = (call: ProviderCall<Params>) => SandboxReply;

/** Shared state every provider route consults. */
export interface PipelineContext {
  config: RuntimeConfig;
  faults: FaultRegistry;
  calls: CallCounter;
  rateLimiters: Record<Provider, RateLimiter>;
  /** Sockets held open by timeout faults; close() destroys them. */
  hangingSockets: Set<Socket>;
}

/**
 * Wraps a provider handler: count the call, add latency, apply a fault, authenticate,
 * throttle, read the body, run, answer. Faults apply before authentication on purpose: they
 * stand for the network or the provider failing, which happens whoever calls.
 */
export function providerRoute<Params>(
  context: PipelineContext,
  protocol: ProviderProtocol,
  operation: Operation,
  handler: ProviderHandler<Params>,
) {
  const callName = `${protocol.provider}.${operation}`;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    context.calls.increment(callName);
    const { latencyMs, jitterMs } = context.config;
    if (latencyMs > 0 || jitterMs > 0) await sleep(latencyMs + Math.random() * jitterMs);

    const fault = context.faults.take(protocol.provider, operation);
    if (fault !== undefined) {
      switch (fault.mode) {
        case 'error':
          return send(reply, protocol.faultError(fault.status ?? 503), protocol);
        case 'rate-limit':
          return send(reply, protocol.faultRateLimit(fault.retryAfter), protocol);
        case 'drop':
          reply.hijack();
          request.raw.socket.destroy();
          return;
        case 'timeout-before':
          return hang(context, request, reply);
        case 'timeout-after':
          break; // handled after the operation ran
      }
    }

    const key = protocol.authenticate(request);
    if (typeof key !== 'string') return send(reply, key, protocol, fault?.mode === 'timeout-after', context);

    let rateHeaders: Record<string, string> | undefined;
    const limit = context.config.rateLimits[protocol.provider];
    if (limit.enabled) {
      const decision = context.rateLimiters[protocol.provider].hit(key, limit.perMinute);
      if (!decision.allowed) return send(reply, protocol.throttled(decision), protocol);
      rateHeaders = protocol.rateLimitHeaders(decision);
    }

    const read = protocol.readBody(request);
    if ('reject' in read) return send(reply, read.reject, protocol);

    const result = handler({
      request,
      params: request.params as Params,
      query: request.query as Record<string, string | string[] | undefined>,
      key,
      body: read.body,
    });
    if (fault?.mode === 'timeout-after') return hang(context, request, reply);
    if (rateHeaders !== undefined) result.headers = { ...rateHeaders, ...result.headers };
    return send(reply, result, protocol);
  };
}

function send(
  reply: FastifyReply,
  result: SandboxReply,
  protocol: ProviderProtocol,
  thenHang = false,
  context?: PipelineContext,
): FastifyReply | void {
  if (thenHang && context !== undefined) return hang(context, reply.request, reply);
  reply.code(result.status);
  const common = protocol.commonHeaders();
  if (common !== undefined) reply.headers(common);
  if (result.headers !== undefined) reply.headers(result.headers);
  if (result.body === undefined) return reply.send();
  if (typeof result.body === 'string') return reply.type('application/json').send(result.body);
  return reply.send(result.body);
}

/** Never answers; the socket stays open until the client gives up or the sandbox closes. */
function hang(context: PipelineContext, request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  const socket = request.raw.socket;
  context.hangingSockets.add(socket);
  socket.once('close', () => context.hangingSockets.delete(socket));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Last value of a repeated query parameter, as Django's QueryDict.get and Laravel do. */
export function queryValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
