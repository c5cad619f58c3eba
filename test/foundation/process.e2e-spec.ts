import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startDemoProcess, startGatewayProcess, waitForHttp } from '../support/process';
import { migratedEmbeddedUrl } from '../support/test-database';

const root = resolve(__dirname, '../..');

/** Runs the gateway's entry point in `cwd` (where it looks for `.env`); resolves with exit code and output. */
function runGatewayIn(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const clean = { ...process.env };
  for (const name of ['DATABASE_URL', 'PORT', 'BODY_LIMIT_BYTES']) delete clean[name];
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'scripts/ts-register.js'), join(root, 'apps/gateway/src/main.ts')],
    { cwd, env: { ...clean, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

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

  it('loads .env from the working folder, and a variable set in the environment wins over it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sgw-dotenv-'));
    try {
      writeFileSync(join(folder, '.env'), 'PORT=abc\nBODY_LIMIT_BYTES=tiny\n');
      // PORT is read before BODY_LIMIT_BYTES: the error names BODY_LIMIT_BYTES only when the
      // environment's PORT won and the file's BODY_LIMIT_BYTES was loaded.
      const { code, output } = await runGatewayIn(folder, { PORT: '0' });
      expect({ code, output: output.trim() }).toEqual({
        code: 1,
        output:
          'Configuration error: BODY_LIMIT_BYTES must be a whole number from 1024 to 104857600 (got "tiny")',
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('starts on a chosen port with generated demo secrets, then serves readiness and OpenAPI', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sgw-demo-'));
    const port = await freePort();
    const gateway = startDemoProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: migratedEmbeddedUrl(),
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
