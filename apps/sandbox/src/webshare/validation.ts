import { parseIsoDateTime } from '../time-format';
import { WebshareSubuserInput } from './types';

/** DRF field errors in the live API's form: `{"field": [{"message", "code"}]}`. */
export type WebshareFieldErrors = Record<string, { message: string; code: string }[]>;

export type WebshareValidation = { input: WebshareSubuserInput } | { errors: WebshareFieldErrors };

const LABEL_MAX_LENGTH = 255;
const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * Validates a create or partial-update body the way DRF's serializer fields would: unknown and
 * read-only fields are ignored, numbers may arrive as numeric strings.
 */
export function validateSubuserBody(body: unknown): WebshareValidation {
  if (body === undefined) return { input: {} };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got = body === null ? 'NoneType' : Array.isArray(body) ? 'list' : pythonType(body);
    return {
      errors: {
        non_field_errors: [
          { message: `Invalid data. Expected a dictionary, but got ${got}.`, code: 'invalid' },
        ],
      },
    };
  }
  const data = body as Record<string, unknown>;
  const errors: WebshareFieldErrors = {};
  const input: WebshareSubuserInput = {};
  const fail = (field: string, message: string, code: string) => {
    errors[field] = [{ message, code }];
  };
  const notNull = (field: string): boolean => {
    if (data[field] !== null) return true;
    fail(field, 'This field may not be null.', 'null');
    return false;
  };

  if ('label' in data && notNull('label')) {
    const label = data.label;
    if (typeof label === 'string' || typeof label === 'number') {
      const text = String(label).trim();
      if (text.length > LABEL_MAX_LENGTH) {
        fail('label', `Ensure this field has no more than ${LABEL_MAX_LENGTH} characters.`, 'max_length');
      } else input.label = text;
    } else fail('label', 'Not a valid string.', 'invalid');
  }

  if ('proxy_limit' in data && notNull('proxy_limit')) {
    const limit = toNumber(data.proxy_limit);
    if (limit === null) fail('proxy_limit', 'A valid number is required.', 'invalid');
    else if (limit < 0) fail('proxy_limit', 'Ensure this value is greater than or equal to 0.', 'min_value');
    else input.proxy_limit = limit;
  }

  if ('max_thread_count' in data && notNull('max_thread_count')) {
    const threads = toNumber(data.max_thread_count);
    if (threads === null || !Number.isInteger(threads)) {
      fail('max_thread_count', 'A valid integer is required.', 'invalid');
    } else if (threads < 1) {
      fail('max_thread_count', 'Ensure this value is greater than or equal to 1.', 'min_value');
    } else input.max_thread_count = threads;
  }

  if ('proxy_countries' in data) {
    const countries = data.proxy_countries;
    if (countries === null) input.proxy_countries = null;
    else if (typeof countries !== 'object' || Array.isArray(countries)) {
      const got = Array.isArray(countries) ? 'list' : pythonType(countries);
      fail('proxy_countries', `Expected a dictionary of items but got type "${got}".`, 'not_a_dict');
    } else {
      const parsed: Record<string, number> = {};
      for (const [code, count] of Object.entries(countries as Record<string, unknown>)) {
        const value = toNumber(count);
        if (!COUNTRY_CODE.test(code)) {
          fail('proxy_countries', `"${code}" is not a valid country code.`, 'invalid');
          break;
        }
        if (value === null || !Number.isInteger(value)) {
          fail('proxy_countries', 'A valid integer is required.', 'invalid');
          break;
        }
        if (value < 0) {
          fail('proxy_countries', 'Ensure this value is greater than or equal to 0.', 'min_value');
          break;
        }
        parsed[code] = value;
      }
      if (!errors.proxy_countries) input.proxy_countries = parsed;
    }
  }

  if ('bandwidth_use_start_date' in data && notNull('bandwidth_use_start_date')) {
    const raw = data.bandwidth_use_start_date;
    const parsed = typeof raw === 'string' ? parseIsoDateTime(raw) : null;
    if (parsed === null) {
      fail(
        'bandwidth_use_start_date',
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
        'invalid',
      );
    } else input.bandwidth_use_start = parsed;
  }

  return Object.keys(errors).length > 0 ? { errors } : { input };
}

/** DRF Float/IntegerField accept numbers and numeric strings, not booleans. */
function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function pythonType(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'boolean':
      return 'bool';
    default:
      return 'dict';
  }
}
