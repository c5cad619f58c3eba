import request from 'supertest';
import { admin } from '../access/access-helpers';
import { RunningGateway, SANDBOX_ENV, sandboxOf, startTestGateway } from '../support/gateway';
import { syncNow } from '../sync/sync-helpers';

/** The largest pages (500 items, several hundred KB): one JSON answer with its length in bytes, and the pages after it. */
describe('GET /v1/sub-users?limit=500: a large page', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ ...SANDBOX_ENV });
    // Names of several bytes per character: the length must count bytes, not characters.
    sandboxOf(gateway).control.seed({ provider: 'proxyhat', count: 620, labelPrefix: 'página-✓-' });
    const sync = await syncNow(gateway.url);
    expect(sync.status).toBe('succeeded');
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is one JSON answer with its length in bytes, and the next page follows it', async () => {
    const first = await request(gateway.url)
      .get('/v1/sub-users?provider=proxyhat&limit=500')
      .set(admin)
      .expect(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(first.headers['content-length'])).toBe(Buffer.byteLength(first.text));
    expect(Buffer.byteLength(first.text)).toBeGreaterThan(200 * 1024);
    expect(first.text).toBe(JSON.stringify(first.body));
    expect(first.body.items).toHaveLength(500);
    expect(first.body.items[0].name).toMatch(/^página-✓-/);
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const second = await request(gateway.url)
      .get('/v1/sub-users')
      .query({ provider: 'proxyhat', limit: 500, cursor: first.body.nextCursor })
      .set(admin)
      .expect(200);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(620);
  });

  it('answers HEAD with the same length and no body', async () => {
    const get = await request(gateway.url)
      .get('/v1/sub-users?provider=proxyhat&limit=500')
      .set(admin)
      .expect(200);
    const head = await request(gateway.url)
      .head('/v1/sub-users?provider=proxyhat&limit=500')
      .set(admin)
      .expect(200);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('sends a small page as before, and the event and audit feeds the same way', async () => {
    const small = await request(gateway.url).get('/v1/sub-users?limit=2').set(admin).expect(200);
    expect(small.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(small.body.items).toHaveLength(2);
    for (const path of ['/v1/events?limit=500', '/v1/audit-events?limit=500']) {
      const page = await request(gateway.url).get(path).set(admin).expect(200);
      expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(page.headers['content-length'])).toBe(Buffer.byteLength(page.text));
      expect(page.body.items.length).toBeGreaterThan(0);
    }
  });
});
