import { ConfigError, databaseTargetOf, loadGatewayConfig, parseEncryptionKeys } from './gateway-config';

const key32 = Buffer.alloc(32, 1).toString('base64');

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('gives a demo configuration with the embedded database when nothing is set', () => {
    const config = loadGatewayConfig({});
    expect(config.demo).toBe(true);
    expect(config.http.port).toBe(3000);
    expect(config.database.target.kind).toBe('pglite');
    expect(config.logging).toEqual({ level: 'info', format: 'pretty' });
    // Slow senders are cut off: headers within 10 s, the whole request within 30 s.
    expect(config.http).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(config.sandboxUrl).toBeUndefined();
    // No periodic sync unless asked for; deletes in progress are followed up every 3 s.
    expect(config.jobs).toEqual({ syncIntervalSeconds: 0, syncFollowUpMs: 3_000 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /0 to 65535/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgresql/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of fatal, error/],
    [{ SANDBOX_URL: 'sandbox:4010' }, 'SANDBOX_URL', /http\(s\):\/\/ URL/],
    [{ PROVIDER_HOST_ALLOWLIST: 'http://x.example.com' }, 'PROVIDER_HOST_ALLOWLIST', /must list hosts/],
    [{ GATEWAY_ADMIN_KEY: 'short' }, 'GATEWAY_ADMIN_KEY', /24 characters/],
    [{ ENCRYPTION_KEYS: 'k1:AAAA' }, 'ENCRYPTION_KEYS', /32 bytes/],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL', /redis:\/\//],
    [{ DEFAULT_PROVIDER: 'oxylabs' }, 'DEFAULT_PROVIDER', /webshare, proxyhat/],
    [{ UPSTREAM_TIMEOUT_MS: '5' }, 'UPSTREAM_TIMEOUT_MS', /100 to/],
    [{ SYNC_FOLLOW_UP_MS: '-1' }, 'SYNC_FOLLOW_UP_MS', /0 to 600000/],
    [{ SYNC_FOLLOW_UP_MS: '5' }, 'SYNC_FOLLOW_UP_MS', /0 \(off\) or a whole number from 100 to 600000/],
    [{ REQUEST_TIMEOUT_MS: 'soon' }, 'REQUEST_TIMEOUT_MS', /500 to 600000/],
    [{ HEADERS_TIMEOUT_MS: '0' }, 'HEADERS_TIMEOUT_MS', /500 to 600000/],
    [
      { HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' },
      'HEADERS_TIMEOUT_MS',
      /not be longer than REQUEST_TIMEOUT_MS \(10000\)/,
    ],
  ])('refuses %p naming %s', (env, variable, problem) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(variable)).toBe(true);
    expect(error.message).toMatch(problem);
  });

  describe('production', () => {
    const complete = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://gateway:secret@db:5432/gateway',
      GATEWAY_ADMIN_KEY: 'a'.repeat(32),
      ENCRYPTION_KEYS: `k1:${key32}`,
    };

    it('starts with a database, an admin key and an encryption key, logging JSON', () => {
      const config = loadGatewayConfig(complete);
      expect(config.demo).toBe(false);
      expect(config.logging.format).toBe('json');
      expect(config.security.activeKeyId).toBe('k1');
    });

    it.each(['DATABASE_URL', 'GATEWAY_ADMIN_KEY', 'ENCRYPTION_KEYS'])(
      'refuses to run without %s',
      (variable) => {
        const env: Record<string, string> = { ...complete };
        delete env[variable];
        expect(errorOf(env).variable).toBe(variable);
      },
    );

    it('refuses the embedded database', () => {
      expect(errorOf({ ...complete, DATABASE_URL: 'pglite:memory://' }).variable).toBe('DATABASE_URL');
    });
  });

  it('keeps the embedded database in DATA_DIR, where README and .env.example say it is', () => {
    expect(loadGatewayConfig({ DATA_DIR: '/srv/gateway-data' }).database.target).toEqual({
      kind: 'pglite',
      dataDir: '/srv/gateway-data/pglite',
    });
    expect(databaseTargetOf({ DATABASE_URL: 'pglite:memory://', DATA_DIR: '/x' })).toEqual({
      kind: 'pglite',
      dataDir: null,
    });
  });

  it('never echoes a secret value in its message', () => {
    const error = errorOf({ ENCRYPTION_KEYS: 'k1:c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0' });
    expect(error.message).not.toContain('c2VjcmV0');
  });
});

describe('parseEncryptionKeys', () => {
  it('keeps every key for opening and the first for sealing', () => {
    const other = Buffer.alloc(32, 2).toString('base64');
    const { keys, activeKeyId } = parseEncryptionKeys(`new:${other}, old:${key32}`);
    expect(activeKeyId).toBe('new');
    expect([...keys.keys()]).toEqual(['new', 'old']);
    expect(keys.get('old')).toEqual(Buffer.alloc(32, 1));
  });

  it('refuses a duplicate id', () => {
    expect(() => parseEncryptionKeys(`a:${key32},a:${key32}`)).toThrow(/appears twice/);
  });
});
