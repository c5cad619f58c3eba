import { redactUrl } from './logging';

describe('redactUrl', () => {
  it.each([
    ['/v1/sub-users?api_key=sgw_live_secret', '/v1/sub-users?api_key=[redacted]'],
    ['/v1/sub-users?limit=5&key=abc&status=active', '/v1/sub-users?limit=5&key=[redacted]&status=active'],
    [
      '/x?token=a&access_token=b&Access-Token=c&password=d',
      '/x?token=[redacted]&access_token=[redacted]&Access-Token=[redacted]&password=[redacted]',
    ],
    [
      '/x?client_secret=s&refreshToken=t&proxyPassword=p',
      '/x?client_secret=[redacted]&refreshToken=[redacted]&proxyPassword=[redacted]',
    ],
    ['/x?api%5Fkey=s&API_KEY=t', '/x?api%5Fkey=[redacted]&API_KEY=[redacted]'],
  ])('hides secret query values: %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('leaves ordinary URLs and parameters alone', () => {
    for (const url of [
      '/v1/sub-users',
      '/v1/sub-users?limit=5&cursor=abc&metadata.customer=c-1',
      '/v1/audit-events?targetId=1&keyId=2',
      '/x?flag&empty=',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
