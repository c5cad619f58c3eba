import type { LookupAddress } from 'node:dns';
import { GatewayError } from '@app/domain';
import { UrlRefusal } from '../security/url-policy';
import { checkWebhookUrl, publicOnlyLookup, sendTarget } from './webhook-target';

type Resolved = { error?: NodeJS.ErrnoException; addresses?: LookupAddress[] };

/** Runs a publicOnlyLookup over a resolver that answers `resolved` (no DNS is asked). */
function lookupWith(resolved: Resolved, all: boolean): Promise<{ error: Error | null; result: unknown }> {
  const lookup = publicOnlyLookup((_hostname, _options, callback) =>
    callback(resolved.error ?? null, resolved.addresses ?? []),
  );
  return new Promise((resolve) => {
    lookup('hooks.example.com', { all }, (error: Error | null, address: unknown, family?: number) =>
      resolve({ error, result: all ? address : { address, family } }),
    );
  });
}

describe('webhook targets', () => {
  it.each([
    ['http://10.0.0.5/hook'],
    ['http://169.254.169.254/latest/meta-data'],
    ['http://192.168.1.1:8080/'],
    ['http://[fd00::1]/hook'],
    ['http://[::ffff:127.0.0.1]/hook'],
    ['http://127.0.0.2/hook'],
    ['http://localhost/hook'],
  ])('refuses %s unless allowlisted', (url) => {
    expect(() => checkWebhookUrl(url, [])).toThrow(GatewayError);
    expect(() => sendTarget(url, [])).toThrow(UrlRefusal);
    const host = new URL(url).host;
    expect(checkWebhookUrl(url, [host])).toBe(url);
  });

  it('accepts a public name, checked again when sent', () => {
    expect(checkWebhookUrl('https://hooks.example.com/in', [])).toBe('https://hooks.example.com/in');
    expect(sendTarget('https://hooks.example.com/in', []).lookup).toEqual(expect.any(Function));
    // An allowlisted host is reached as it resolves.
    expect(sendTarget('http://127.0.0.1:8080/in', ['127.0.0.1']).lookup).toBeUndefined();
  });

  it('lets a name through only when every address it resolves to is public', async () => {
    const publicOnly = [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ];
    expect(await lookupWith({ addresses: publicOnly }, true)).toEqual({ error: null, result: publicOnly });
    expect(await lookupWith({ addresses: publicOnly }, false)).toEqual({
      error: null,
      result: { address: '93.184.216.34', family: 4 },
    });
    for (const hidden of ['127.0.0.1', '10.1.2.3', '169.254.169.254', 'fe80::1', '::1']) {
      const mixed = [...publicOnly, { address: hidden, family: hidden.includes(':') ? 6 : 4 }];
      const { error } = await lookupWith({ addresses: mixed }, true);
      expect(error?.message).toBe(
        'hooks.example.com resolves to a loopback, private or link-local address, which is not allowed here',
      );
    }
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    expect((await lookupWith({ error: notFound }, true)).error).toBe(notFound);
  });
});
