import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UsageRow } from '@app/persistence';

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

/** `{"items": [...], "totalBytes": n}`, written as the rows arrive. */
async function* asJson(rows: AsyncIterable<UsageRow>, withGroup: boolean): AsyncGenerator<string> {
  let total = 0;
  let first = true;
  yield '{"items":[';
  for await (const row of rows) {
    total += row.usedBytes;
    yield `${first ? '' : ','}${JSON.stringify(point(row, withGroup))}`;
    first = false;
  }
  yield `],"totalBytes":${total}}`;
}

async function* asNdjson(rows: AsyncIterable<UsageRow>, withGroup: boolean): AsyncGenerator<string> {
  for await (const row of rows) yield `${JSON.stringify(point(row, withGroup))}\n`;
}

/**
 * Streams usage rows in the asked format: nothing is built in memory, so a year of days for every
 * sub-user exports with flat memory. The rows come from the database a chunk at a time.
 */
export function sendUsage(
  request: FastifyRequest,
  reply: FastifyReply,
  rows: AsyncIterable<UsageRow>,
  withGroup: boolean,
  filename: string,
): FastifyReply {
  const format = formatOf(request);
  if (format === 'csv') {
    const columns = withGroup ? ['periodStart', 'group', 'usedBytes'] : ['periodStart', 'usedBytes'];
    const csv = Readable.from(
      (async function* () {
        for await (const row of rows) yield point(row, withGroup);
      })(),
    ).pipe(stringify({ header: true, columns }));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}.csv"`)
      .send(csv);
  }
  if (format === 'ndjson')
    return reply.type('application/x-ndjson').send(Readable.from(asNdjson(rows, withGroup)));
  return reply.type('application/json; charset=utf-8').send(Readable.from(asJson(rows, withGroup)));
}
