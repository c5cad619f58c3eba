import { REDACTED, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const input = {
      name: 'alice',
      proxyPassword: 'p4ss',
      nested: { apiKey: 'k1', api_key: 'k2', 'api-key': 'k3', Authorization: 'Bearer x', keep: 1 },
      list: [{ token: 't', clientSecret: 's', key: 'sgw_plain', keyPrefix: 'sgw_abc', keyHash: 'ff' }],
      before: { password: null },
    };
    expect(redactSecrets(input)).toEqual({
      name: 'alice',
      proxyPassword: REDACTED,
      nested: { apiKey: REDACTED, api_key: REDACTED, 'api-key': REDACTED, Authorization: REDACTED, keep: 1 },
      list: [
        {
          token: REDACTED,
          clientSecret: REDACTED,
          key: REDACTED,
          keyPrefix: 'sgw_abc',
          keyHash: REDACTED,
        },
      ],
      before: { password: null },
    });
  });

  it('does not touch the input and returns JSON-safe values', () => {
    const input = { at: new Date('2026-01-02T03:04:05.000Z'), password: 'x', gone: undefined };
    const output = redactSecrets(input);
    expect(output).toEqual({ at: '2026-01-02T03:04:05.000Z', password: REDACTED });
    expect(input.password).toBe('x');
  });

  it('copes with values that cannot be serialized', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toBe('[unserializable]');
    expect(redactSecrets(undefined)).toBeNull();
    expect(redactSecrets('plain')).toBe('plain');
  });
});
