import { FastifyInstance } from 'fastify';

/** A JSON body that did not parse; each provider answers it in its own 400 shape. */
export class MalformedJsonBody {
  constructor(readonly message: string) {}
}

/** A body in a content type the simulators do not read. */
export class UnsupportedMediaBody {
  constructor(readonly contentType: string) {}
}

/**
 * Replaces Fastify's JSON parser so that bad bodies reach the provider routes (which answer in
 * the provider's own error shape) instead of Fastify's generic error.
 */
export function registerLenientBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(null, new MalformedJsonBody(error instanceof Error ? error.message : String(error)));
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, _body, done) => {
    done(null, new UnsupportedMediaBody(String(request.headers['content-type'] ?? '')));
  });
}
