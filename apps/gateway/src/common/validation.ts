import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, GatewayError } from '@app/domain';

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

/** Bad bodies and queries answer 422 VALIDATION_FAILED with per-field details; unknown fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
