import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Observable, map } from 'rxjs';

/**
 * Under V8's large-object threshold (128 KB): a string or buffer past it gets memory of its own
 * from the system, freshly mapped, and the page faults of touching it cost more than building it
 * (measured on this project's machines, bench/README.md, round eight).
 */
const PIECE_BYTES = 48 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

/** A page as its JSON text, in pieces of about {@link PIECE_BYTES}; exactly what JSON.stringify writes. */
export function pageInPieces(page: { items: unknown[]; [field: string]: unknown }): string[] {
  // The page's other fields (nextCursor, …) as JSON.stringify writes them, around a placeholder.
  const placeholder = `"${randomUUID()}"`;
  const shell = JSON.stringify({ ...page, items: placeholder.slice(1, -1) });
  const at = shell.indexOf(placeholder);
  const pieces: string[] = [];
  let parts: string[] = [shell.slice(0, at), '['];
  let size = at + 1;
  page.items.forEach((item, index) => {
    const text = (index === 0 ? '' : ',') + (JSON.stringify(item) ?? 'null');
    parts.push(text);
    size += text.length;
    if (size >= PIECE_BYTES) {
      pieces.push(parts.join(''));
      parts = [];
      size = 0;
    }
  });
  parts.push(']', shell.slice(at + placeholder.length));
  pieces.push(parts.join(''));
  return pieces;
}

function isPage(value: unknown): value is { items: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { items?: unknown }).items);
}

/**
 * Writes a large page (`{items, …}`, up to 500 items of ~1 KB) as buffers of under 48 KB with its
 * length, instead of one string of up to 650 KB: JSON.stringify's result, its flattening and the
 * socket's copy of it were three large allocations per page, each paid in page faults. A page that
 * fits one piece is sent as the same text JSON.stringify would have made.
 */
@Injectable()
export class PageInPiecesInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result: unknown) => {
        if (!isPage(result)) return result;
        const pieces = pageInPieces(result);
        void reply.header('content-type', JSON_TYPE);
        if (pieces.length === 1) return pieces[0];
        const buffers = pieces.map((piece) => Buffer.from(piece));
        const length = buffers.reduce((total, buffer) => total + buffer.length, 0);
        // Every piece is pushed at once: the socket writes them together (one writev).
        const body = new Readable({
          read() {
            for (const buffer of buffers) this.push(buffer);
            this.push(null);
          },
        });
        return new StreamableFile(body, { type: JSON_TYPE, length });
      }),
    );
  }
}
