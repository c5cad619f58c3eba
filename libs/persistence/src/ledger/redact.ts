/** Field names whose values are secrets: never written to the audit log or an event. */
export const SECRET_FIELD = /password|secret|token|api[_-]?key|^key$|key_?hash|ciphertext|authorization/i;

export const REDACTED = '[redacted]';

/**
 * A JSON-safe deep copy of `value` with every secret-named field replaced by '[redacted]'
 * (the field stays, so the audit still shows that it changed). Dates become ISO strings,
 * undefined fields disappear, and anything that cannot be serialized becomes a marker.
 */
export function redactSecrets(value: unknown): unknown {
  let plain: unknown;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return null;
    plain = JSON.parse(text);
  } catch {
    return '[unserializable]';
  }
  return redactPlain(plain);
}

function redactPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPlain);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      result[key] = SECRET_FIELD.test(key) && inner !== null ? REDACTED : redactPlain(inner);
    }
    return result;
  }
  return value;
}
