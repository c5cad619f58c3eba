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
  let header = true;
  for await (const rows of pages) {
    yield stringify(
      rows.map((row) => point(row, withGroup)),
      { header, columns },
    );
    header = false;
  }
  if (header) yield stringify([], { header: true, columns });
}

/**
 * Streams usage in the asked format: a page of rows is read, written and let go before the next
 * is read (the socket's back-pressure holds the reading), so a year of days for every sub-user
 * exports with flat memory.
 */
export function sendUsage(
  request: FastifyRequest,
  reply: FastifyReply,
  pages: AsyncIterable<UsageRow[]>,
  withGroup: boolean,
  filename: string,
): FastifyReply {
  const format = formatOf(request);
  if (format === 'csv') {
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}.csv"`)
      .send(Readable.from(asCsv(pages, withGroup), PAGES_AHEAD));
  }
  if (format === 'ndjson')
    return reply.type('application/x-ndjson').send(Readable.from(asNdjson(pages, withGroup), PAGES_AHEAD));
  return reply
    .type('application/json; charset=utf-8')
    .send(Readable.from(asJson(pages, withGroup), PAGES_AHEAD));
}
