import { LaravelErrors } from '../laravel';
import { gigabytesToBytes } from '../traffic-units';
import { IproyalLimits, IproyalSubuserInput } from './types';

export type Validated<T> = { input: T } | { errors: LaravelErrors };

/**
 * IPRoyal documents no rules; these are the sandbox's (README, "Decisions where the docs are
 * silent"). Usernames and passwords are ASCII letters and digits only because IPRoyal's proxy
 * password carries the targeting options after `_` and `-` (`pass_country-us_session-x`).
 */
export const USERNAME_LENGTH = { min: 3, max: 32 };
export const PASSWORD_LENGTH = { min: 6, max: 64 };
const ALPHA_NUM = /^[A-Za-z0-9]+$/;
const LIMIT_FIELDS = ['daily_limit', 'monthly_limit', 'lifetime_limit'] as const;

/** Laravel words attributes with spaces: limits.daily_limit -> "limits.daily limit". */
function attribute(field: string): string {
  return field.replace(/_/g, ' ');
}

/**
 * Laravel's TrimStrings and ConvertEmptyStringsToNull middleware: strings are trimmed (except
 * passwords, which the middleware leaves alone) and an empty string becomes null.
 */
function normalize(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    const trimmed = typeof value === 'string' && field !== 'password' ? value.trim() : value;
    out[field] = trimmed === '' ? null : trimmed;
  }
  return out;
}

class Checker {
  readonly errors: LaravelErrors = {};
  readonly data: Record<string, unknown>;

  constructor(body: unknown) {
    const object =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    this.data = normalize(object);
  }

  fail(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  has(field: string): boolean {
    return field in this.data;
  }

  /** `required` on create, `sometimes|required` on update: false when the field is to be skipped. */
  present(field: string, required: boolean): boolean {
    if (!required && !this.has(field)) return false;
    const value = this.data[field];
    if (value === undefined || value === null) {
      this.fail(field, `The ${attribute(field)} field is required.`);
      return false;
    }
    return true;
  }

  /** `string|min|max|alpha_num` (ASCII); undefined when invalid. */
  credential(field: string, length: { min: number; max: number }): string | undefined {
    const value = this.data[field];
    if (typeof value !== 'string') {
      this.fail(field, `The ${attribute(field)} field must be a string.`);
      return undefined;
    }
    const before = this.errors[field]?.length ?? 0;
    if (value.length < length.min) {
      this.fail(field, `The ${attribute(field)} field must be at least ${length.min} characters.`);
    }
    if (value.length > length.max) {
      this.fail(field, `The ${attribute(field)} field must not be greater than ${length.max} characters.`);
    }
    if (!ALPHA_NUM.test(value)) {
      this.fail(field, `The ${attribute(field)} field must only contain letters and numbers.`);
    }
    return (this.errors[field]?.length ?? 0) === before ? value : undefined;
  }

  /** `numeric` (numbers and numeric strings, never booleans); undefined when invalid. */
  numeric(field: string, value: unknown = this.data[field]): number | undefined {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)
          ? Number(value)
          : NaN;
    if (!Number.isFinite(number)) {
      this.fail(field, `The ${attribute(field)} field must be a number.`);
      return undefined;
    }
    return number;
  }

  result<T>(input: T): Validated<T> {
    return Object.keys(this.errors).length > 0 ? { errors: this.errors } : { input };
  }
}

/**
 * Create (username, password and traffic required; `limits` optional) or update (only the
 * fields sent; `limits` is not part of the documented update body and is ignored).
 * `usernameTaken` reports whether another sub-user of the account has the name.
 */
export function validateSubuserBody(
  body: unknown,
  mode: 'create' | 'update',
  usernameTaken: (username: string) => boolean,
): Validated<IproyalSubuserInput> {
  const check = new Checker(body);
  const required = mode === 'create';
  const input: IproyalSubuserInput = {};

  if (check.present('username', required)) {
    const username = check.credential('username', USERNAME_LENGTH);
    if (username !== undefined && usernameTaken(username)) {
      check.fail('username', 'The username has already been taken.');
    } else if (username !== undefined) input.username = username;
  }

  if (check.present('password', required)) {
    const password = check.credential('password', PASSWORD_LENGTH);
    if (password !== undefined) input.password = password;
  }

  if (check.present('traffic', required)) {
    const traffic = check.numeric('traffic');
    if (traffic !== undefined && traffic < 0) check.fail('traffic', 'The traffic field must be at least 0.');
    else if (traffic !== undefined) input.trafficBytes = gigabytesToBytes(traffic);
  }

  if (mode === 'create' && check.has('limits') && check.data.limits !== null) {
    const limits = check.data.limits;
    if (typeof limits !== 'object' || Array.isArray(limits)) {
      check.fail('limits', 'The limits field must be an array.');
    } else {
      const parsed: IproyalLimits = { daily_limit: null, monthly_limit: null, lifetime_limit: null };
      for (const name of LIMIT_FIELDS) {
        const value = (limits as Record<string, unknown>)[name];
        if (value === undefined || value === null) continue;
        const field = `limits.${name}`;
        const number = check.numeric(field, value);
        if (number === undefined) continue;
        if (!Number.isInteger(number)) check.fail(field, `The ${attribute(field)} field must be an integer.`);
        else if (number < 0) check.fail(field, `The ${attribute(field)} field must be at least 0.`);
        else parsed[name] = number;
      }
      input.limits = parsed;
    }
  }

  return check.result(input);
}

/** `{amount}` of give-traffic and take-traffic: required, numeric, greater than 0; in bytes. */
export function validateAmount(body: unknown): Validated<number> {
  const check = new Checker(body);
  if (!check.present('amount', true)) return check.result(0);
  const amount = check.numeric('amount');
  if (amount !== undefined && amount <= 0) check.fail('amount', 'The amount field must be greater than 0.');
  return check.result(amount === undefined ? 0 : gigabytesToBytes(amount));
}

/**
 * `page` and `per_page` of the list: integers, page at least 1, per_page 1..100 (default 10,
 * the docs' example). Laravel's `integer` rule accepts integer strings, which is what a query
 * string carries.
 */
export function validateListQuery(query: {
  page?: string;
  per_page?: string;
}): Validated<{ page: number; perPage: number }> {
  const check = new Checker(query);
  const integer = (field: 'page' | 'per_page', fallback: number, max?: number): number => {
    const raw = check.data[field];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw)) {
      check.fail(field, `The ${attribute(field)} field must be an integer.`);
      return fallback;
    }
    const value = Number(raw);
    if (value < 1) check.fail(field, `The ${attribute(field)} field must be at least 1.`);
    else if (max !== undefined && value > max) {
      check.fail(field, `The ${attribute(field)} field must not be greater than ${max}.`);
    }
    return value;
  };
  const page = integer('page', 1);
  const perPage = integer('per_page', DEFAULT_PER_PAGE, MAX_PER_PAGE);
  return check.result({ page, perPage });
}

export const DEFAULT_PER_PAGE = 10;
export const MAX_PER_PAGE = 100;
