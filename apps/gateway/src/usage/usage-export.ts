import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UsageRow } from '@app/persistence';

/** Pages read ahead of the socket at most (a page is up to 5,000 rows). */
const PAGES_AHEAD = { highWaterMark: 1 };

export type UsageFormat = 'json' | 'csv' | 'ndjson';

/** The format the Accept header asks for; JSON unless CSV or NDJSON is named. */
export function formatOf(request: FastifyRequest): UsageFormat {
  const accept = String(request.headers.accept ?? '').toLowerCase();
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return 'json';
}

function point(row: UsageRow, withGroup: boolean) {
  return withGroup
    ? { periodStart: row.periodStart.toISOString(), group: row.group, usedBytes: row.usedBytes }
    : { periodStart: row.periodStart.toISOString(), usedBytes: row.usedBytes };
}

/** `{"items": [...], "totalBytes": n}`, written a page of rows at a time as they arrive. */
async function* asJson(pages: AsyncIterable<UsageRow[]>, withGroup: boolean): AsyncGenerator<string> {
  let total = 0;
  let separator = '';
  yield '{"items":[';
  for await (const rows of pages) {
    let text = '';
    for (const row of rows) {
      total += row.usedBytes;
      text += separator + JSON.stringify(point(row, withGroup));
      separator = ',';
    }
    yield text;
  }
  yield `],"totalBytes":${total}}`;
}

async function* asNdjson(pages: AsyncIterable<UsageRow[]>, withGroup: boolean): AsyncGenerator<string> {
  for await (const rows of pages) {
    let text = '';
    for (const row of rows) text += `${JSON.stringify(point(row, withGroup))}\n`;
    yield text;
  }
}

async function* asCsv(pages: AsyncIterable<UsageRow[]>, withGroup: boolean): AsyncGenerator<string> {
  const columns = withGroup ? ['periodStart', 'group', 'usedBytes'] : ['periodStart', 'usedBytes'];
  // A group is a caller's tag: one starting with =, +, -, @, tab or CR would be a formula in a
  // spreadsheet (CSV injection); it is written with a leading quote mark, as OWASP advises.
  const options = { columns, escape_formulas: true };
  let header = true;
  for await (const rows of pages) {
    yield stringify(
      rows.map((row) => point(row, withGroup)),
      { ...options, header },
    );
    header = false;
  }
  if (header) yield stringify([], { ...options, header: true });
}

/** The pages again, the ones already read first; a reader that stops early (a client gone) closes the rest. */
async function* replay(read: UsageRow[][], rest: AsyncIterator<UsageRow[]>): AsyncGenerator<UsageRow[]> {
  try {
    yield* read;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** Every string a generator yields, joined. */
async function joined(parts: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of parts) text += part;
  return text;
}

/**
 * Sends usage in the asked format. An answer of one page (a sub-user's year of days, a month's
 * roll-up) goes out whole, in one write with its length; a longer one is streamed, a page read,
 * written and let go before the next is read (the socket's back-pressure holds the reading), so a
 * year of days for every sub-user exports with flat memory.
 */
export async function sendUsage(
  request: FastifyRequest,
  reply: FastifyReply,
  pages: AsyncIterable<UsageRow[]>,
  withGroup: boolean,
  filename: string,
): Promise<FastifyReply> {
  const format = formatOf(request);
  const iterator = pages[Symbol.asyncIterator]();
  const read: UsageRow[][] = [];
  const first = await iterator.next();
  if (!first.done) read.push(first.value);
  // A short page is the last (no statement is run to find that out).
  const second = first.done ? first : await iterator.next();
  if (!second.done) read.push(second.value);
  const source = replay(read, iterator);
  const body =
    format === 'csv'
      ? asCsv(source, withGroup)
      : format === 'ndjson'
        ? asNdjson(source, withGroup)
        : asJson(source, withGroup);
  if (format === 'csv') {
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}.csv"`);
  } else {
    reply.type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json; charset=utf-8');
  }
  return reply.send(second.done ? await joined(body) : Readable.from(body, PAGES_AHEAD));
}
