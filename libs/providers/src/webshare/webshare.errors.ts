import { type FieldError, type ProviderError, SUB_USER_API_FIELD_NAMES as API } from '@app/domain';
import type { UpstreamFailure } from '../resilience/upstream-failure';
import { type ProviderErrorBody, cleanMessage, isPlainObject, toProviderError } from '../upstream-errors';
import { WEBSHARE_DESCRIPTION } from './webshare.capabilities';

/** Webshare field → the API's field (what the caller sent). Unknown fields keep their name. */
const FIELD_NAMES: Record<string, string> = {
  label: API.name,
  proxy_limit: API.trafficLimitBytes,
  max_thread_count: API.maxConcurrency,
  proxy_countries: API.countries,
};

const NON_FIELD_KEYS = new Set(['detail', 'code', 'non_field_errors', 'message']);

function messagesOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) => (isPlainObject(item) ? cleanMessage(item.message) : cleanMessage(item)))
    .filter((message): message is string => message !== undefined);
}

/**
 * DRF bodies: `{"detail": "Not found."}` (maybe with `code`), and field errors in the live
 * form `{"field": [{"message", "code"}]}` or the older `{"field": ["message"]}`.
 */
export function readWebshareErrorBody(body: unknown): ProviderErrorBody {
  if (!isPlainObject(body)) return { message: cleanMessage(body) };
  const fieldErrors: FieldError[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (NON_FIELD_KEYS.has(key)) continue;
    for (const message of messagesOf(value)) fieldErrors.push({ field: FIELD_NAMES[key] ?? key, message });
  }
  const general = [
    ...messagesOf(body.detail),
    ...messagesOf(body.non_field_errors),
    ...messagesOf(body.message),
  ];
  const message =
    general.length > 0
      ? general.join('; ')
      : fieldErrors.length > 0
        ? fieldErrors.map((error) => `${error.field}: ${error.message}`).join('; ')
        : undefined;
  return { message, fieldErrors };
}

export function toWebshareError(failure: UpstreamFailure): ProviderError {
  return toProviderError(
    { provider: 'webshare', displayName: WEBSHARE_DESCRIPTION.displayName },
    failure,
    readWebshareErrorBody,
  );
}
