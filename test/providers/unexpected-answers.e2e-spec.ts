import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderName } from '@app/domain';
import { ProviderRegistry } from '@app/providers';
import { FAST_DRIVER_OPTIONS } from '../providers/provider-test-kit';

/**
 * A 2xx answer that is not the provider's JSON (an HTML page from a CDN, WAF or captive proxy in
 * front of the API) is a provider failure the caller may retry or reconcile, never a sub-user with
 * an id of "undefined" (a create's intent then stays open for the sync).
 */
let server: http.Server;
let origin: string;
const registries: ProviderRegistry[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Checking your browser…</body></html>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.close()));
  await new Promise((resolve) => server.close(resolve));
});

const paths: Record<ProviderName, string> = { webshare: '', proxyhat: '/v1', iproyal: '/v1' };

const driverOf = (provider: ProviderName) => {
  const registry = new ProviderRegistry({ driverOptions: FAST_DRIVER_OPTIONS });
  registries.push(registry);
  return registry.driverFor({
    id: `acc-${provider}`,
    provider,
    baseUrl: `${origin}${paths[provider]}`,
    apiKey: 'k',
    planId: null,
  });
};
const outcomeOf = (call: Promise<unknown>) =>
  call.then(
    (value) => ({ resolved: value }),
    (error: { code?: string; reachedProvider?: string }) => ({
      rejected: error.code,
      reachedProvider: error.reachedProvider,
    }),
  );

it.each(['webshare', 'proxyhat', 'iproyal'] as ProviderName[])(
  '%s: a 200 HTML page answering a create, a read or a listing is a provider failure that may have acted',
  async (provider) => {
    const driver = driverOf(provider);
    const failure = { rejected: 'PROVIDER_UNAVAILABLE', reachedProvider: 'maybe' };
    expect(await outcomeOf(driver.create({ name: 'x' }))).toEqual(failure);
    expect(await outcomeOf(driver.get(provider === 'webshare' ? '42' : 'abc'))).toEqual(failure);
    expect(await outcomeOf(driver.list())).toEqual(failure);
  },
);
