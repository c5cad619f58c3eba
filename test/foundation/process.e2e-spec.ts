import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

/** Runs the gateway's real entry point (TypeScript, transpiled on load) as its own process. */
function startGatewayProcess(env: Record<string, string>): ChildProcess {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  return spawn(process.execPath, ['-r', './scripts/ts-register.js', 'apps/gateway/src/main.ts'], {
    cwd: root,
    env: { ...clean, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): { out: () => string } {
  let text = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  return { out: () => text };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

async function waitForHttp(url: string, deadlineMs: number): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

describe('the gateway as a process', () => {
  it('exits 1 with one line naming PORT when PORT is not a number', async () => {
    const child = startGatewayProcess({ PORT: 'abc' });
    const output = collect(child);
    expect(await exitOf(child)).toBe(1);
    const lines = output.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Configuration error: PORT must be a whole number from 0 to 65535 \(got "abc"\)$/,
    );
  });

  it('refuses a production start without DATABASE_URL, naming it', async () => {
    const child = startGatewayProcess({ NODE_ENV: 'production', PORT: '0' });
    const output = collect(child);
    expect(await exitOf(child)).toBe(1);
    expect(output.out().trim()).toBe(
      'Configuration error: DATABASE_URL is required in production and must be a postgresql:// URL',
    );
  });

  it('starts on a chosen port with generated demo secrets, then serves readiness and OpenAPI', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sgw-demo-'));
    const port = await freePort();
    const child = startGatewayProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: 'pglite:memory://',
      SANDBOX: 'true',
      SANDBOX_PORT: '0',
    });
    const output = collect(child);
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
      expect(output.out()).toContain('DEMO CONVENIENCE');
      expect(output.out().split(adminKey)).toHaveLength(2);
    } finally {
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
