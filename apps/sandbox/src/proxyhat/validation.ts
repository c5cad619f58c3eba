import { parseTrafficLimit } from '../traffic-units';
import { LaravelErrors, ProxyhatGroupInput, ProxyhatSubUserInput } from './types';

export type Validated<T> = { input: T } | { errors: LaravelErrors };

const MAX_STRING = 255;

/** Laravel words attributes with spaces: sub_user_group_id -> "sub user group id". */
function attribute(field: string): string {
  return field.replace(/_/g, ' ');
}

class Checker {
  readonly errors: LaravelErrors = {};
  constructor(readonly data: Record<string, unknown>) {}

  fail(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  has(field: string): boolean {
    return field in this.data;
  }

  required(field: string): boolean {
    const value = this.data[field];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      this.fail(field, `The ${attribute(field)} field is required.`);
      return false;
    }
    return true;
  }

  /** A nullable string of at most 255 characters; undefined when invalid. */
  string(field: string, nullable: boolean): string | null | undefined {
    const value = this.data[field];
    if (value === null && nullable) return null;
    if (typeof value !== 'string') {
      this.fail(field, `The ${attribute(field)} field must be a string.`);
      return undefined;
    }
    if (value.length > MAX_STRING) {
      this.fail(field, `The ${attribute(field)} field must not be greater than ${MAX_STRING} characters.`);
      return undefined;
    }
    return value;
  }

  /** Laravel's boolean rule: true, false, 1, 0, "1", "0". */
  boolean(field: string): boolean | undefined {
    const value = this.data[field];
    if (value === true || value === 1 || value === '1') return true;
    if (value === false || value === 0 || value === '0') return false;
    this.fail(field, `The ${attribute(field)} field must be true or false.`);
    return undefined;
  }

  result<T>(input: T): Validated<T> {
    return Object.keys(this.errors).length > 0 ? { errors: this.errors } : { input };
  }
}

function asObject(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * Create (`proxy_password` required) or partial update (only sent fields). `traffic_limit` is a
 * human string converted to bytes (see traffic-units.ts); on create it is required when
 * is_traffic_limited is true.
 */
export function validateSubUserBody(
  body: unknown,
  mode: 'create' | 'update',
  groupExists: (id: string) => boolean,
): Validated<ProxyhatSubUserInput> {
  const check = new Checker(asObject(body));
  const input: ProxyhatSubUserInput = {};

  if (mode === 'create' ? check.required('proxy_password') : check.has('proxy_password')) {
    if (mode === 'update' && check.data.proxy_password === null) {
      check.fail('proxy_password', 'The proxy password field must be a string.');
    } else {
      const password = check.string('proxy_password', false);
      if (typeof password === 'string') input.proxy_password = password;
    }
  }

  if (check.has('is_traffic_limited') && check.data.is_traffic_limited !== null) {
    input.is_traffic_limited = check.boolean('is_traffic_limited');
  }

  if (check.has('traffic_limit') && check.data.traffic_limit !== null) {
    const raw = check.data.traffic_limit;
    if (typeof raw !== 'string') check.fail('traffic_limit', 'The traffic limit field must be a string.');
    else {
      const bytes = parseTrafficLimit(raw);
      if (bytes === null) check.fail('traffic_limit', 'The traffic limit field format is invalid.');
      else input.traffic_limit = bytes;
    }
  } else if (mode === 'create' && input.is_traffic_limited === true) {
    check.fail('traffic_limit', 'The traffic limit field is required when is traffic limited is true.');
  }

  for (const field of ['name', 'notes'] as const) {
    if (!check.has(field)) continue;
    const value = check.string(field, true);
    if (value !== undefined) input[field] = value;
  }

  if (check.has('sub_user_group_id')) {
    const groupId = check.string('sub_user_group_id', true);
    if (typeof groupId === 'string' && !groupExists(groupId)) {
      check.fail('sub_user_group_id', 'The selected sub user group id is invalid.');
    } else if (groupId !== undefined) input.sub_user_group_id = groupId;
  }

  return check.result(input);
}

export function validateGroupBody(body: unknown, mode: 'create' | 'update'): Validated<ProxyhatGroupInput> {
  const check = new Checker(asObject(body));
  const input: ProxyhatGroupInput = {};
  if (mode === 'create' ? check.required('name') : check.has('name')) {
    const name = check.string('name', false);
    if (typeof name === 'string') input.name = name;
  }
  if (check.has('description')) {
    const description = check.string('description', true);
    if (description !== undefined) input.description = description;
  }
  return check.result(input);
}

/**
 * `{ids: [...]}` for the bulk routes: a non-empty array of strings. The docs mark `ids`
 * required, and Laravel's `required` fails on an empty array, so `[]` (the Go SDK sends it for
 * an empty slice; a nil slice is `null`) is a 422 like a missing field.
 */
export function validateIds(body: unknown): Validated<string[]> {
  const check = new Checker(asObject(body));
  if (!check.required('ids')) return check.result([]);
  const ids = check.data.ids;
  if (!Array.isArray(ids)) {
    check.fail('ids', 'The ids field must be an array.');
    return check.result([]);
  }
  if (ids.length === 0) {
    check.fail('ids', 'The ids field is required.');
    return check.result([]);
  }
  ids.forEach((id, index) => {
    if (typeof id !== 'string') check.fail(`ids.${index}`, `The ids.${index} field must be a string.`);
  });
  return check.result(ids as string[]);
}

/**
 * `group_id` for bulk-move-to-group: an existing group, or null or absent to take the
 * sub-users out of their group (the official Go SDK's BulkMoveToGroup with a nil groupID sends
 * only `ids`).
 */
export function validateTargetGroup(
  body: unknown,
  groupExists: (id: string) => boolean,
): Validated<string | null> {
  const check = new Checker(asObject(body));
  if (!check.has('group_id')) return check.result(null);
  const groupId = check.string('group_id', true);
  if (typeof groupId === 'string' && !groupExists(groupId)) {
    check.fail('group_id', 'The selected group id is invalid.');
  }
  return check.result(groupId ?? null);
}
