import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { UsageRow } from '@app/persistence';
import { sendUsage } from './usage-export';

const PAGE = 5_000;

/** A usage source of `pages` full pages that records how far it was read and whether it was closed. */
function source(pages: number) {
  const state = { read: 0, closed: false };
  async function* read(): AsyncGenerator<UsageRow[]> {
    try {
      for (let page = 0; page < pages; page++) {
        state.read++;
        const start = Date.UTC(2026, 0, 1) + page * PAGE * 3_600_000;
        yield Array.from({ length: PAGE }, (_, i) => ({
          periodStart: new Date(start + i * 3_600_000),
          group: `sub-user-${i}`,
          usedBytes: i,
        }));
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, pages: read() };
}

describe('sendUsage', () => {
  let app: FastifyInstance;
  let current: ReturnType<typeof source>;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    app.get('/usage', (request, reply) => sendUsage(request, reply, current.pages, true, 'usage'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/usage`;
  });
  afterAll(() => app.close());

  it('sends a one-page answer whole, with its length, and reads the source to its end', async () => {
    current = source(0);
    const response = await fetch(url, { headers: { accept: 'text/csv' } });
    expect(response.headers.get('content-length')).toBe('28');
    expect(await response.text()).toBe('periodStart,group,usedBytes\n');
    expect(current.state).toEqual({ read: 0, closed: true });
  });

  it('stops reading and closes the source when the client goes away mid-export', async () => {
    current = source(10_000);
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(url, { headers: { accept: 'application/x-ndjson' } }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
      request.end();
    });
    for (let waited = 0; !current.state.closed && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(current.state.closed).toBe(true);
    // Back-pressure held the reading: a few pages ahead of the socket, not the 10,000.
    expect(current.state.read).toBeLessThan(50);
  });
});
