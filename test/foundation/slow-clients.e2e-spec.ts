import { Socket, connect } from 'node:net';
import { RunningGateway, TEST_ADMIN_KEY, startTestGateway } from '../support/gateway';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** Body bytes the client had sent when the answer came. */
  bodyBytesSent: number;
}

/**
 * One HTTP/1.1 exchange over a real socket: writes `head`, then (optionally) drips one body byte
 * per `dripMs` until the server answers; resolves when the server closes the connection.
 */
function exchange(url: string, head: string, dripMs?: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    let bodyBytesSent = 0;
    let drip: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      if (dripMs !== undefined) {
        drip = setInterval(() => {
          if (received || !socket.writable) return;
          socket.write('x');
          bodyBytesSent += 1;
        }, dripMs);
      }
    });
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      const [headText, ...rest] = received.split('\r\n\r\n');
      const [statusLine, ...headerLines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      if (!status) return reject(new Error(`no HTTP answer before the connection closed: ${received}`));
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      const text = rest.join('\r\n\r\n');
      resolve({ status, headers, body: text ? JSON.parse(text) : undefined, bodyBytesSent });
    });
  });
}

function expectProblem(answer: RawAnswer, status: number, code: string): void {
  expect({
    status: answer.status,
    contentType: answer.headers['content-type'],
    code: answer.body?.code,
  }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json(; charset=utf-8)?$/),
    code,
  });
  expect(answer.body).toMatchObject({ status, source: 'gateway', requestId: expect.any(String) });
}

describe('slow and oversized clients (real sockets on loopback)', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      HEADERS_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '2000',
      BODY_LIMIT_BYTES: '2048',
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('hardening #8: answers headers that never finish with 408 problem+json and closes the connection', async () => {
    const answer = await exchange(gateway.url, 'GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
    expectProblem(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
  });

  it('hardening #8: answers an authenticated body sent one byte at a time with 408 once REQUEST_TIMEOUT_MS is up', async () => {
    const head =
      'POST /v1/tenants HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Length: 1000\r\n\r\n`;
    const answer = await exchange(gateway.url, head, 100);
    expectProblem(answer, 408, 'REQUEST_TIMEOUT');
    // The body was still arriving when the deadline cut it off.
    expect(answer.bodyBytesSent).toBeGreaterThan(0);
    expect(answer.bodyBytesSent).toBeLessThan(1000);
  });

  it('hardening #8: cuts off many slow senders at once, every one with 408', async () => {
    const head =
      'POST /v1/tenants HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Length: 1000\r\n\r\n`;
    const answers = await Promise.all(Array.from({ length: 30 }, () => exchange(gateway.url, head, 200)));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 408));
  });

  it.each([
    ['no key', ''],
    ['an unknown key', 'Authorization: Bearer sgw_not_a_real_key_000000000000\r\n'],
  ])(
    'hardening #8: answers an unauthenticated POST with %s 401 before reading any of its body',
    async (_label, authorization) => {
      // 100 MB declared, not one byte sent: only an answer that did not wait for the body comes back.
      const head =
        'POST /v1/tenants HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        `${authorization}Content-Length: 104857600\r\n\r\n`;
      const answer = await exchange(gateway.url, head);
      expectProblem(answer, 401, 'UNAUTHENTICATED');
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="subuser-gateway"/);
      expect(answer.headers.connection).toBe('close');
      expect(answer.bodyBytesSent).toBe(0);
    },
  );

  it('hardening #8: answers a declared body over BODY_LIMIT_BYTES 413 PAYLOAD_TOO_LARGE without reading it', async () => {
    const head =
      'POST /v1/tenants HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n`;
    const answer = await exchange(gateway.url, head);
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('hardening #8: answers headers larger than Node accepts with 431 problem+json', async () => {
    const head = `GET /health/live HTTP/1.1\r\nHost: gateway\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    const answer = await exchange(gateway.url, head);
    expectProblem(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it('answers bytes that are not HTTP with 400 MALFORMED_REQUEST problem+json', async () => {
    const answer = await exchange(gateway.url, 'NOT HTTP AT ALL\r\n\r\n');
    expectProblem(answer, 400, 'MALFORMED_REQUEST');
  });
});
