import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SANDBOX_VARIABLES } from '@app/sandbox';
import { GATEWAY_VARIABLES, loadGatewayConfig } from '../../apps/gateway/src/config/gateway-config';

const root = resolve(__dirname, '../..');
const known = new Set<string>([...GATEWAY_VARIABLES, ...SANDBOX_VARIABLES]);

interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

// Docker cannot run here: these checks keep the deployment files honest by reading them.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const { postgres, gateway, sandbox } = compose.services;

  it('has PostgreSQL with a volume, the gateway, and the sandbox only in the demo profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'postgres', 'sandbox']);
    expect(postgres.image).toMatch(/^postgres:/);
    expect(postgres.volumes?.[0]).toMatch(/^postgres-data:/);
    expect(compose.volumes).toHaveProperty('postgres-data');
    expect(gateway.profiles).toBeUndefined();
    expect(sandbox.profiles).toEqual(['demo']);
    expect(sandbox.command?.join(' ')).toContain('dist/apps/sandbox/main.js');
  });

  it('wires the gateway to PostgreSQL by variables the config schema knows', () => {
    const environment = gateway.environment ?? {};
    for (const name of Object.keys(environment)) expect(known).toContain(name);
    expect(environment.NODE_ENV).toBe('production');
    expect(environment.DATABASE_URL).toMatch(/^postgresql:\/\/gateway:.*@postgres:5432\/gateway$/);
    expect(gateway.depends_on?.postgres.condition).toBe('service_healthy');
    expect(gateway.healthcheck?.test.join(' ')).toContain('/health/ready');
    for (const name of Object.keys(sandbox.environment ?? {})) expect(known).toContain(name);
  });

  it('gives the gateway a configuration that passes production validation', () => {
    const environment = Object.fromEntries(
      Object.entries(gateway.environment ?? {}).map(([name, value]) => [
        name,
        // Substitute ${VAR:-default} with its default and required ${VAR:?} with a valid value.
        String(value)
          .replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/g, '$1')
          .replace(/\$\{GATEWAY_ADMIN_KEY:\?[^}]*\}/g, 'a'.repeat(32))
          .replace(/\$\{ENCRYPTION_KEYS:\?[^}]*\}/g, `k1:${Buffer.alloc(32).toString('base64')}`)
          .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
      ]),
    );
    expect(() => loadGatewayConfig(environment)).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');

  it('is multi-stage, runs as a non-root user and starts the built gateway', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    expect(dockerfile).toContain('dist/apps/gateway/apps/gateway/src/main.js');
  });
});

describe('.env.example', () => {
  const documented = readFileSync(resolve(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.slice(0, line.indexOf('=')));

  it('documents every variable the gateway and the sandbox read, and nothing else', () => {
    expect([...documented].sort()).toEqual([...known].sort());
  });
});
