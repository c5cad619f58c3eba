import { Type as ClassType, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { GatewayError } from '@app/domain';
import { isUuid } from './ids';
import { parseInstant } from './instant';
import { isStorableText } from './storable-input';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** `{items, nextCursor}`: every list endpoint answers this; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Query parameters shared by every list endpoint; list DTOs extend it. */
export class PaginationQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    example: 50,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    maxLength: 512,
    description: 'Opaque cursor from the previous page’s `nextCursor` (absent: the first page)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/** The position after which the next page starts (sort: createdAt desc, then id desc). */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export interface DecodeCursorOptions {
  /** The id column is a UUID: refuse anything else before it reaches the database. */
  uuidIds?: boolean;
}

export function encodeCursor(position: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

function badCursor(): GatewayError {
  const message = 'is not a cursor this endpoint issued';
  return new GatewayError('VALIDATION_FAILED', `cursor: ${message}`, {
    fieldErrors: [{ field: 'cursor', message }],
  });
}

export function decodeCursor(cursor: string, options: DecodeCursorOptions = {}): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { c, i } = (parsed ?? {}) as { c?: unknown; i?: unknown };
  if (typeof i !== 'string' || i.length === 0 || i.length > 128 || !isStorableText(i)) throw badCursor();
  if (options.uuidIds && !isUuid(i)) throw badCursor();
  // An instant PostgreSQL and the API hold (1970–9999), as every date input: a cursor is input too.
  const createdAt = parseInstant(c);
  if (!createdAt) throw badCursor();
  return { createdAt, id: i };
}

/** Prisma `where` for rows strictly after the cursor in (createdAt desc, id desc) order. */
export function afterCursor(position: CursorPosition): {
  OR: [{ createdAt: { lt: Date } }, { createdAt: Date; id: { lt: string } }];
} {
  return {
    OR: [
      { createdAt: { lt: position.createdAt } },
      { createdAt: position.createdAt, id: { lt: position.id } },
    ],
  };
}

/** The stable order every paged list uses. */
export const PAGE_ORDER: [{ createdAt: 'desc' }, { id: 'desc' }] = [{ createdAt: 'desc' }, { id: 'desc' }];

export function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE_LIMIT, 1), MAX_PAGE_LIMIT);
}

/**
 * Turns `limit + 1` rows (fetch one extra to know whether there is more) into a page.
 * `map` shapes each row for the response.
 */
export function toPage<Row extends { createdAt: Date; id: string }, Item>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** Documents a `{items, nextCursor}` answer of `model` items for Swagger. */
export function ApiPageResponse(model: ClassType<unknown>, description = 'One page of results') {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(model) } },
          nextCursor: {
            type: 'string',
            nullable: true,
            description: 'Pass as `cursor` to get the next page; null on the last page',
            example: null,
          },
        },
      },
    }),
  );
}
