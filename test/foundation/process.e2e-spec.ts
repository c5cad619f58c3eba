import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startGatewayProcess, waitForHttp } from '../support/process';

describe('the gateway as a process', () => {
  it('exits 1 with one line naming PORT when PORT is not a number', async () => {
    const gateway = startGatewayProcess({ PORT: 'abc' });
    expect(await gateway.exited).toBe(1);
    const lines = gateway.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Configuration error: PORT must be a whole number from 0 to 65535 \(got "abc"\)$/,
    );
  });

  it('refuses a production start without DATABASE_URL, naming it', async () => {
    const gateway = startGatewayProcess({ NODE_ENV: 'production', PORT: '0' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output().trim()).toBe(
      'Configuration error: DATABASE_URL is required in production and must be a postgresql:// URL',
    );
  });

  it('starts on a chosen port with generated demo secrets, then serves readiness and OpenAPI', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sgw-demo-'));
    const port = await freePort();
    const gateway = startGatewayProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: 'pglite:memory://',
      SANDBOX: 'true',
      SANDBOX_PORT: '0',
    });
    try {
      const ready = await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000);
      expect(ready.status).toBe(200);
      const document = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as {
        openapi: string;
      };
      expect(document.openapi).toMatch(/^3\./);

      const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
      expect(statSync(join(dataDir, 'admin-key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'encryption-key')).mode & 0o777).toBe(0o600);
      // Printed once, marked as a demo convenience.
      expect(gateway.output()).toContain('DEMO CONVENIENCE');
      expect(gateway.output().split(adminKey)).toHaveLength(2);
    } finally {
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
