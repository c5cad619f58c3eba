import { UrlRefusal, allowlisted, checkOutboundUrl, isNonPublicAddress } from './url-policy';

describe('outbound URL policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '[::1]',
    '::ffff:127.0.0.1',
    // As URL parsing writes them ([::ffff:127.0.0.1] → [::ffff:7f00:1]); compatible, translated, NAT64.
    '[::ffff:7f00:1]',
    '::ffff:a9fe:a9fe',
    '::7f00:1',
    '::ffff:0:7f00:1',
    '64:ff9b::a00:1',
    'fd00::1',
    'fe80::1',
    'fec0::1',
    'feff::1',
    // 6to4 of 127.0.0.1 and of a public address alike, Teredo, local-use NAT64, discard, documentation.
    '2002:7f00:1::',
    '2002:808:808::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001::1',
    '64:ff9b:1::a00:1',
    '100::1',
    '2001:db8::1',
  ])('%s is not a public address', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700::1111',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2001:4860:4860::8888',
    '2a00:1450::1',
  ])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it('refuses credentials, other schemes and non-public hosts unless allowlisted', () => {
    const refuse =
      (url: string, allowlist: string[] = []) =>
      () =>
        checkOutboundUrl(url, { allowlist, trustedHosts: ['api.proxyhat.com'], requirePublicName: true });
    expect(refuse('https://user:pass@api.proxyhat.com/v1')).toThrow(UrlRefusal);
    expect(refuse('ftp://api.proxyhat.com/')).toThrow('must be an http(s) URL');
    expect(refuse('http://127.0.0.1:4010/proxyhat/v1')).toThrow('loopback, private or link-local');
    expect(refuse('http://169.254.169.254/latest')).toThrow('loopback, private or link-local');
    expect(refuse('http://localhost:4010/')).toThrow('loopback, private or link-local');
    expect(refuse('https://evil.example.com/v1')).toThrow('not an allowed host');
    expect(refuse('http://127.0.0.1:4010/proxyhat/v1', ['127.0.0.1'])).not.toThrow();
    expect(refuse('http://127.0.0.1:4010/proxyhat/v1', ['127.0.0.1:4011'])).toThrow(UrlRefusal);
    expect(refuse('https://api.proxyhat.com/v1')).not.toThrow();
    expect(refuse('https://eu.proxies.example.com/v1', ['*.example.com'])).not.toThrow();
  });

  it('matches allowlist entries by host, port and wildcard', () => {
    expect(allowlisted(['[::1]:8080'], '[::1]', '8080')).toBe(true);
    expect(allowlisted(['[::1]:8080'], '[::1]', '8081')).toBe(false);
    expect(allowlisted(['*.example.com'], 'example.com', '443')).toBe(false);
    expect(allowlisted(['Api.Example.com'], 'api.example.com', '443')).toBe(true);
  });
});
