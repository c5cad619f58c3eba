import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, GatewayError } from '@app/domain';
import { EARLIEST_INSTANT, LATEST_INSTANT } from './instant';
import { MAX_INPUT_DEPTH, inputRefused } from './storable-input';

/** Flattens class-validator's tree into `{field: "a.b[0]", message}` pairs. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Dates in a validated DTO that PostgreSQL's timestamptz or a client could not hold: a field typed
 * `@Type(() => Date)` takes year -200000 (a valid JS Date) and would fail the query. `IsInstant`
 * refuses those where it is used; this catches a Date field that forgot it. Walked without
 * recursion, no deeper than the edge lets a body nest.
 */
export function datesOutOfRange(value: unknown): FieldError[] {
  const faults: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (current instanceof Date) {
      const time = current.getTime();
      if (!(time >= EARLIEST_INSTANT && time <= LATEST_INSTANT)) {
        const field = path || 'value';
        faults.push({
          field,
          message: `${field} must be an ISO 8601 date-time between 1970-01-01 and 9999-12-31`,
        });
      }
      continue;
    }
    if (current === null || typeof current !== 'object' || depth >= MAX_INPUT_DEPTH) continue;
    for (const [key, inner] of Object.entries(current)) {
      const innerPath = Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      stack.push({ value: inner, path: innerPath, depth: depth + 1 });
    }
  }
  return faults;
}

/**
 * Bad bodies and queries answer 422 VALIDATION_FAILED with per-field details; unknown fields are
 * refused; a transformed Date outside 1970–9999 is refused too (see datesOutOfRange).
 */
class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await super.transform(value, metadata);
    const faults = datesOutOfRange(result);
    if (faults.length > 0) throw inputRefused(faults);
    return result;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      const detail =
        fieldErrors.map((error) => `${error.field}: ${error.message}`).join('; ') || 'Invalid request';
      return new GatewayError('VALIDATION_FAILED', detail, { fieldErrors });
    },
  });
}
