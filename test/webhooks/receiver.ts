import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed event. */
  event: Record<string, any>;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

/**
 * A real webhook receiver on 127.0.0.1: records every POST and answers what the test scripted
 * (a queue of answers, then `fallback`).
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Requests answered so far, and the most it held unanswered at once. */
  answered = 0;
  mostInFlight = 0;
  private inFlight = 0;
  private readonly queue: Answer[] = [];
  fallback: Answer = { status: 200 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<Receiver> {
    // The server answers through the receiver it belongs to, made once it listens.
    const holder: { receiver?: Receiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const self = holder.receiver!;
        self.received.push({ headers: request.headers, body, event: JSON.parse(body), at: Date.now() });
        self.inFlight += 1;
        self.mostInFlight = Math.max(self.mostInFlight, self.inFlight);
        const answer = self.queue.shift() ?? self.fallback;
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'text/plain' });
          response.end(answer.body ?? '', () => {
            self.inFlight -= 1;
            self.answered += 1;
          });
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new Receiver(server, `http://127.0.0.1:${port}${path}`);
    return holder.receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next answers, in order (then `fallback`). */
  answer(...answers: Answer[]): void {
    this.queue.push(...answers);
  }

  ofType(type: string): Received[] {
    return this.received.filter((entry) => entry.event.type === type);
  }

  /** Polls until `check` holds, failing after `timeoutMs`. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: not received within ${timeoutMs} ms (got ${this.received.length} deliveries)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Verifies one delivery as a receiver would, with the `standardwebhooks` package; returns the event. */
export function verify(secret: string, delivery: Received): unknown {
  return new Webhook(secret).verify(delivery.body, {
    'webhook-id': String(delivery.headers['webhook-id']),
    'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
    'webhook-signature': String(delivery.headers['webhook-signature']),
  });
}

/** Polls `check` (async) until it is true. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
