import { type FieldError, type ProviderError, SUB_USER_API_FIELD_NAMES as API } from '@app/domain';
import type { UpstreamFailure } from '../resilience/upstream-failure';
import { type ProviderErrorBody, cleanMessage, isPlainObject, toProviderError } from '../upstream-errors';
import { IPROYAL_DESCRIPTION } from './iproyal.capabilities';

/** IPRoyal field → the API's field (what the caller sent). Unknown fields keep their name. */
const FIELD_NAMES: Record<string, string> = {
  traffic: API.trafficLimitBytes,
  amount: API.trafficLimitBytes,
  username: API.proxyUsername,
  password: API.proxyPassword,
};

/**
 * IPRoyal words a shortage of prepaid traffic in its own way ("Insufficient balance", "not enough
 * traffic"); whatever the field, the caller must learn that the account, not the request, is short.
 */
const INSUFFICIENT_BALANCE = /\b(insufficient|not enough)\b.*\b(balance|traffic)\b/i;

/**
 * Laravel bodies: `{"message": "..."}` (401 "Unauthenticated.", 404, 429 "Too Many Attempts.",
 * 5xx), and on 422 `{"message": "...", "errors": {"field": ["message"]}}` whose message repeats
 * the first field error ("... (and 2 more errors)").
 */
export function readIproyalErrorBody(body: unknown): ProviderErrorBody {
  if (!isPlainObject(body)) return { message: cleanMessage(body) };
  const fieldErrors: FieldError[] = [];
  if (isPlainObject(body.errors)) {
    for (const [key, value] of Object.entries(body.errors)) {
      for (const message of (Array.isArray(value) ? value : [value]).map(cleanMessage)) {
        if (message) fieldErrors.push({ field: FIELD_NAMES[key] ?? key, message });
      }
    }
  }
  const summary = cleanMessage(body.message);
  const shortage = [summary, ...fieldErrors.map((error) => error.message)].find(
    (message) => message !== undefined && INSUFFICIENT_BALANCE.test(message),
  );
  if (shortage !== undefined) {
    return {
      message: `the account's prepaid traffic balance is too small for this allocation (${shortage})`,
      fieldErrors,
      reason: 'insufficient-balance',
    };
  }
  if (fieldErrors.length === 0) return { message: summary, fieldErrors };
  // Laravel's summary names only the first error: list them all, in our field names.
  const details = fieldErrors.map((error) => `${error.field}: ${error.message}`).join('; ');
  return { message: `validation failed (${details})`, fieldErrors };
}

export function toIproyalError(failure: UpstreamFailure): ProviderError {
  return toProviderError(
    { provider: 'iproyal', displayName: IPROYAL_DESCRIPTION.displayName },
    failure,
    readIproyalErrorBody,
  );
}
