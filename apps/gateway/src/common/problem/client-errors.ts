import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, ProblemCode, buildProblem } from './problem-details';

/**
 * Node's HTTP server reports a client that broke the protocol before any route ran — headers or
 * body not received in time, headers too large, bytes that are not HTTP — as a socket
 * 'clientError'. Fastify's default answer is ad-hoc JSON; this one is problem+json like every
 * other error, then the connection is closed (the request was never read whole).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or an already closed socket has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = describe(error);
  const problem = buildProblem(code, detail, randomUUID());
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${problem.requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

function describe(error: NodeJS.ErrnoException): [ProblemCode, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [
        'REQUEST_TIMEOUT',
        'The request was not received in time (HEADERS_TIMEOUT_MS for the headers, REQUEST_TIMEOUT_MS for all of it)',
      ];
    case 'HPE_HEADER_OVERFLOW':
      return ['HEADERS_TOO_LARGE', 'The request headers are larger than the gateway accepts'];
    default:
      return ['MALFORMED_REQUEST', 'The request is not valid HTTP'];
  }
}
