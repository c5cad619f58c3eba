import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The instants the API accepts: what PostgreSQL's timestamptz and every client can hold. */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether the text's calendar date exists (V8 reads 2026-02-30 as March 2nd, 24:00 as the next day). */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && !/T24:/.test(value);
}

/** The Date an ISO 8601 text names, or null when it is not one or lies outside 1970–9999. */
export function parseInstant(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length > 40 || !ISO_8601.test(value)) return null;
  if (!isCalendarDate(value)) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time) || time < EARLIEST_INSTANT || time > LATEST_INSTANT) return null;
  return new Date(time);
}

/**
 * A query or body field holding an ISO 8601 instant between 1970 and 9999 (year -200000 or
 * 275760 would pass a bare Date and reach the database): parsed into a Date, or refused with 422.
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  const transform = Transform(({ value }) => parseInstant(value) ?? value);
  const validate = ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => value instanceof Date,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time between 1970-01-01 and 9999-12-31 (e.g. 2026-11-01T00:00:00Z)`,
      },
    },
    options,
  );
  return (target, key) => {
    transform(target, key);
    validate(target, key);
  };
}
