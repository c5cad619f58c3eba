import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

export interface GatewayProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the gateway's real entry point (TypeScript, transpiled on load) as its own process. */
export function startGatewayProcess(env: Record<string, string>): GatewayProcess {
  return startProcess(['-r', './scripts/ts-register.js', 'apps/gateway/src/main.ts'], env);
}

/** Runs the demo (`npm start`'s script: the sandbox beside the gateway) from the TypeScript sources. */
export function startDemoProcess(env: Record<string, string>): GatewayProcess {
  return startProcess(['scripts/start-demo.js'], { DEMO_FROM_SOURCE: '1', ...env });
}

function startProcess(args: string[], env: Record<string, string>): GatewayProcess {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...clean, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => text, exited };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Retries until the URL answers (any status), up to the deadline. */
export async function waitForHttp(url: string, deadlineMs: number): Promise<Response> {
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
