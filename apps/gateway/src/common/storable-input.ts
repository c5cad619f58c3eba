import { FieldError, GatewayError } from '@app/domain';

/**
 * What the API refuses in any input before anything else reads it: values PostgreSQL cannot store
 * and shapes that would exhaust the stack of whatever walks them next.
 *
 * - Text with NUL (U+0000), which neither `text` nor `jsonb` holds, or an unpaired UTF-16
 *   surrogate, which `jsonb` refuses and the driver silently turns into U+FFFD in `text` (so what
 *   is read back would differ from what was sent).
 * - Numbers beyond ±(2^53 − 1) or not finite (JSON's `1e400` parses as Infinity): no field of the
 *   API holds one, and they would be stored rounded or not at all.
 * - Objects and arrays nested deeper than MAX_INPUT_DEPTH: class-transformer, class-validator and
 *   the canonical request hash all recurse, and 5,000 levels overflow the stack. The walk here
 *   keeps its own stack, so no depth can overflow it.
 */
export const MAX_INPUT_DEPTH = 32;

/** At most this many faults are reported (a body can hold thousands). */
const MAX_FAULTS = 20;

// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const UNSTORABLE_TEXT_MESSAGE =
  'must not contain NUL (U+0000) or unpaired UTF-16 surrogates (U+D800–U+DFFF alone)';
export const TOO_DEEP_MESSAGE = `nests objects and arrays deeper than ${MAX_INPUT_DEPTH} levels`;
export const UNSAFE_NUMBER_MESSAGE = 'must be a finite number between -(2^53 - 1) and 2^53 - 1';

/** Whether PostgreSQL stores this text exactly as it is (no NUL, no unpaired surrogate). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** A field name fit to echo in an answer: unstorable code units written as `\uXXXX`, long names cut. */
export function printableName(name: string): string {
  const visible = name.replace(
    UNSTORABLE_ALL,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return visible.length > 64 ? `${visible.slice(0, 64)}…` : visible;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent || 'body'}[${key}]`;
  const name = printableName(key);
  return parent ? `${parent}.${name}` : name;
}

interface Pending {
  value: unknown;
  path: string;
  /** Containers above and including this value. */
  depth: number;
  /** The top-level field this value is in: a too-deep value is reported there. */
  top: string;
  /** Its name (an object key) is itself unstorable. */
  badName?: boolean;
}

/**
 * Every fault of one input (a parsed body, a query, path parameters, headers), walked with an
 * explicit stack: `{field, message}` pairs named as validation names fields (`metadata.k`,
 * `ids[3]`). `root` names the input itself when it is not an object (a body that is a bare string).
 */
export function unstorableFields(input: unknown, root = 'body'): FieldError[] {
  const faults: FieldError[] = [];
  const stack: Pending[] = [{ value: input, path: '', depth: 0, top: root }];
  while (stack.length > 0 && faults.length < MAX_FAULTS) {
    const { value, path, depth, top, badName } = stack.pop()!;
    const field = path || root;
    if (badName) faults.push({ field, message: `the name ${field} ${UNSTORABLE_TEXT_MESSAGE}` });
    if (typeof value === 'string') {
      if (!isStorableText(value)) faults.push({ field, message: `${field} ${UNSTORABLE_TEXT_MESSAGE}` });
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        faults.push({ field, message: `${field} ${UNSAFE_NUMBER_MESSAGE}` });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > MAX_INPUT_DEPTH) {
      faults.push({ field: top, message: `${top} ${TOO_DEEP_MESSAGE}` });
      // Nothing below is looked at: the whole input is refused, and it may be huge.
      return faults;
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    // Pushed in reverse, so faults come out in document order.
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, inner] = entries[index];
      const innerPath = childPath(path, key);
      stack.push({
        value: inner,
        path: innerPath,
        depth: depth + 1,
        top: path || typeof key === 'number' ? top : innerPath,
        badName: typeof key === 'string' && !isStorableText(key),
      });
    }
  }
  return faults.slice(0, MAX_FAULTS);
}

/** 422 VALIDATION_FAILED for the faults, as the validation pipe answers its own. */
export function inputRefused(faults: FieldError[]): GatewayError {
  const detail = faults.map((fault) => `${fault.field}: ${fault.message}`).join('; ');
  return new GatewayError('VALIDATION_FAILED', detail, { fieldErrors: faults });
}
