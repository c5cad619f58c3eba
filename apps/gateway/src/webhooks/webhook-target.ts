import { type LookupAddress, type LookupOptions, lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { GatewayError } from '@app/domain';
import { UrlRefusal, allowlisted, checkOutboundUrl, isNonPublicAddress } from '../security/url-policy';

/** A webhook URL as registered: refused (422) when the design's trust boundaries forbid it. */
export function checkWebhookUrl(raw: string, allowlist: readonly string[]): string {
  try {
    checkOutboundUrl(raw, { allowlist });
  } catch (error) {
    if (!(error instanceof UrlRefusal)) throw error;
    throw new GatewayError('VALIDATION_FAILED', `url ${error.message}`, {
      fieldErrors: [
        {
          field: 'url',
          message: `${error.message}; a loopback, private or link-local host must be listed in WEBHOOK_HOST_ALLOWLIST`,
        },
      ],
    });
  }
  return raw;
}

type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for the socket that refuses a name resolving to any non-public address. The socket
 * connects to the address checked here, so a name cannot pass the check and then resolve
 * elsewhere for the connection (DNS rebinding).
 */
export function publicOnlyLookup(resolve: Resolve = dnsLookup as unknown as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => isNonPublicAddress(entry.address));
      if (refused || addresses.length === 0) {
        const refusal = new UrlRefusal(
          `${hostname} resolves to a loopback, private or link-local address, which is not allowed here`,
        ) as NodeJS.ErrnoException;
        refusal.code = 'EWEBHOOKTARGET';
        return callback(refusal, '', 0);
      }
      if ((options as LookupOptions).all)
        return (callback as never as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Where one attempt may go, decided at send time (the allowlist may have changed since the URL
 * was registered): the parsed URL, and the lookup its socket must use (none for an allowlisted
 * host). Throws UrlRefusal for a URL the policy refuses now.
 */
export function sendTarget(raw: string, allowlist: readonly string[]): { url: URL; lookup?: LookupFunction } {
  const url = checkOutboundUrl(raw, { allowlist });
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (allowlisted(allowlist, url.hostname.toLowerCase(), port)) return { url };
  return { url, lookup: publicOnlyLookup() };
}
