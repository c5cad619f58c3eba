import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDemoProcess, waitForHttp } from '../support/process';
import { TEST_ADMIN_KEY } from '../support/gateway';
import { migratedEmbeddedUrl } from '../support/test-database';

const authorization = `Bearer ${TEST_ADMIN_KEY}`;

/** Polls `check` until it is true, failing after 10 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not true after 10 s`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('graceful shutdown', () => {
  it('finishes a slow upstream call in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sgw-shutdown-'));
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const gateway = startDemoProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: migratedEmbeddedUrl(),
      GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_RATE_LIMITS: 'off',
      UPSTREAM_RATE_LIMIT: 'false',
      SHUTDOWN_TIMEOUT_MS: '15000',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      expect((await waitForHttp(`${base}/health/ready`, 60_000)).status).toBe(200);
      const created = await fetch(`${base}/v1/sub-users`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'proxyhat', name: 'slow-one' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };

      // Every provider call now takes 2 s; the sandbox counts a call as it arrives.
      const sandbox = `http://127.0.0.1:${sandboxPort}/__sandbox`;
      await fetch(`${sandbox}/calls`, { method: 'DELETE' });
      await fetch(`${sandbox}/config`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 2000 }),
      });
      const started = Date.now();
      const inFlight = fetch(`${base}/v1/sub-users/${id}?fresh=true`, { headers: { authorization } });
      // SIGTERM once the call is at the provider, i.e. really in flight.
      await eventually('the provider call arrived', async () => {
        const calls = (await (await fetch(`${sandbox}/calls`)).json()) as Record<string, number>;
        return Object.values(calls).reduce((sum, count) => sum + count, 0) > 0;
      });
      gateway.child.kill('SIGTERM');
      await eventually('new connections are refused', () =>
        fetch(`${base}/health/live`).then(
          () => false,
          () => true,
        ),
      );

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.headers.get('connection')).toBe('close');
      expect(((await response.json()) as { id: string }).id).toBe(id);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      const code = await gateway.exited;
      expect([code, gateway.output()]).toEqual([0, expect.stringContaining('SIGTERM received')]);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
