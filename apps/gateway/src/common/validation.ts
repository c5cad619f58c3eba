import { ArgumentMetadata, ValidationError, ValidationPipe, applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsObject, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';
import { FieldError, GatewayError } from '@app/domain';
import { EARLIEST_INSTANT, LATEST_INSTANT } from './instant';
import { MAX_INPUT_DEPTH, inputRefused } from './storable-input';

/**
 * A property that holds one nested object, validated as `type`. IsObject comes with it because
 * ValidateNested alone takes an array and validates its elements (`placement: [[]]` passed as no
 * placement at all, `budget: [...]` was stored).
 */
export function NestedObject(type: () => new (...args: never[]) => object): PropertyDecorator {
  return applyDecorators(IsObject(), ValidateNested(), Type(type));
}

/**
 * A property that may be left out, but not sent as null: IsOptional lets null through to the use
 * case, where `{"enabled": null}` or `{"tenantId": null}` reached the database (500). With this,
 * null is checked by the property's other rules (422). A property whose null means something
 * (clear it) keeps IsOptional, and its type and schema say it is nullable.
 */
export function Omittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined, options);
}

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

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

type KeyPath = (string | number)[];

/** The path of every key of every plain object in `input` (arrays traversed), without recursion. */
export function keyPathsOf(input: unknown): KeyPath[] {
  const paths: KeyPath[] = [];
  const stack: { value: unknown; path: KeyPath }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (path.length >= MAX_INPUT_DEPTH) continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
    } else if (isPlainObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        paths.push([...path, key]);
        stack.push({ value: inner, path: [...path, key] });
      }
    }
  }
  return paths;
}

/**
 * Keys of the input missing from the DTO the validation pipe built. Nest strips `constructor` and
 * `prototype` from the input, and class-transformer skips every key that names a member of the
 * object it builds (`valueOf`, `toString`, `hasOwnProperty`, …), so a map field such as
 * `metadata: {"valueOf": "x"}` arrived empty and was stored without its key. Such keys are refused
 * (422), never dropped. `paths` are taken before the pipe runs (it deletes keys in place).
 */
export function droppedKeys(paths: KeyPath[], transformed: unknown): FieldError[] {
  const faults: FieldError[] = [];
  for (const path of paths) {
    let parent: unknown = transformed;
    for (const segment of path.slice(0, -1)) {
      parent =
        typeof parent === 'object' && parent !== null
          ? (parent as Record<string, unknown>)[segment]
          : undefined;
    }
    const key = path[path.length - 1];
    // A value a transform turned into something else (a string into a number) is not a drop.
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) continue;
    if (Object.prototype.hasOwnProperty.call(parent, key)) continue;
    const field = path.reduce<string>(
      (text, segment) =>
        typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment,
      '',
    );
    faults.push({
      field,
      message: `the name ${field} is not accepted: '${String(key)}' names a member of every JavaScript object`,
    });
  }
  return faults.slice(0, 20);
}

/**
 * Bad bodies and queries answer 422 VALIDATION_FAILED with per-field details; unknown fields are
 * refused; so are keys class-transformer would drop (see droppedKeys) and a transformed Date
 * outside 1970–9999 (see datesOutOfRange).
 */
class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const validated = metadata.metatype !== undefined && this.toValidate(metadata);
    const paths = validated ? keyPathsOf(value) : [];
    const result: unknown = await super.transform(value, metadata);
    const faults = [...droppedKeys(paths, result), ...datesOutOfRange(result)];
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
