import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { UrlRefusal } from '../security/url-policy';
import { sendTarget } from './webhook-target';

/** What a failed answer's body may keep: 1 KB. */
export const RESPONSE_BODY_LIMIT = 1024;

export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first 1 KB of a failed answer's body (never kept for a success). */
  responseBody: string | null;
  /** Cut short by `stop` (a shutdown): not an attempt, the delivery goes back to the queue. */
  stopped: boolean;
}

/** PostgreSQL text holds no NUL; the rest of what a receiver answers is kept as it came. */
function storableText(bytes: Buffer): string {
  return bytes.subarray(0, RESPONSE_BODY_LIMIT).toString('utf8').split('\u0000').join('');
}

/**
 * One POST of a signed event to an endpoint: no redirects followed, the whole exchange bounded
 * by WEBHOOK_TIMEOUT_MS, the target checked against the URL policy at send time (names
 * resolved and pinned), keep-alive connections per replica.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  async send(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
    stop: AbortSignal,
  ): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failure = (
      error: string,
      statusCode: number | null = null,
      responseBody: string | null = null,
    ) => ({
      ok: false,
      statusCode,
      durationMs: elapsed(),
      error,
      responseBody,
      stopped: false,
    });
    let target: ReturnType<typeof sendTarget>;
    try {
      target = sendTarget(rawUrl, this.config.webhooks.hostAllowlist);
    } catch (error) {
      if (error instanceof UrlRefusal) return failure(`refused: url ${error.message}`);
      throw error;
    }
    const timeout = AbortSignal.timeout(this.config.webhooks.timeoutMs);
    const signal = AbortSignal.any([timeout, stop]);
    try {
      const answer = await this.post(target, headers, body, signal);
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        return {
          ok: true,
          statusCode: answer.statusCode,
          durationMs: elapsed(),
          error: null,
          responseBody: null,
          stopped: false,
        };
      }
      return failure(`answered ${answer.statusCode}`, answer.statusCode, storableText(answer.body));
    } catch (error) {
      if (stop.aborted) return { ...failure('stopped by shutdown'), stopped: true };
      if (timeout.aborted) return failure(`no answer within ${this.config.webhooks.timeoutMs} ms`);
      const cause = error as NodeJS.ErrnoException;
      if (cause instanceof UrlRefusal || cause.code === 'EWEBHOOKTARGET')
        return failure(`refused: ${cause.message}`);
      return failure(cause.message || String(error));
    }
  }

  private post(
    target: ReturnType<typeof sendTarget>,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<{ statusCode: number; body: Buffer }> {
    const secure = target.url.protocol === 'https:';
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        target.url,
        {
          method: 'POST',
          agent: secure ? this.https : this.http,
          signal,
          ...(target.lookup ? { lookup: target.lookup } : {}),
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(payload.length),
            'user-agent': 'sub-user-gateway-webhooks/1',
          },
        },
        (response: IncomingMessage) => {
          // Only the first 1 KB is kept; the rest is read and dropped so the connection can be reused.
          const kept: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size < RESPONSE_BODY_LIMIT) kept.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - size));
            size += chunk.length;
          });
          response.on('end', () =>
            resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(kept) }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
