import { type FieldError, type ProviderError, SUB_USER_API_FIELD_NAMES as API } from '@app/domain';
import type { UpstreamFailure } from '../resilience/upstream-failure';
import { type ProviderErrorBody, cleanMessage, isPlainObject, toProviderError } from '../upstream-errors';
import { PROXYHAT_DESCRIPTION } from './proxyhat.capabilities';

/** ProxyHat field → the API's field (what the caller sent). Unknown fields keep their name. */
const FIELD_NAMES: Record<string, string> = {
  traffic_limit: API.trafficLimitBytes,
  is_traffic_limited: API.trafficLimitBytes,
  sub_user_group_id: API.groupId,
  proxy_password: API.proxyPassword,
  name: API.name,
  notes: API.notes,
};

/**
 * Validation (422): `{"success": false, "errors": {"field": ["message"]}, "description": "Validation failed"}`;
 * 401/429 and others: a bare `{"message": "..."}`; 404: the envelope or a bare message.
 */
export function readProxyhatErrorBody(body: unknown): ProviderErrorBody {
  if (!isPlainObject(body)) return { message: cleanMessage(body) };
  const fieldErrors: FieldError[] = [];
  const generalMessages: string[] = [];
  const { errors } = body;
  if (isPlainObject(errors)) {
    for (const [key, value] of Object.entries(errors)) {
      const messages = (Array.isArray(value) ? value : [value]).map(cleanMessage);
      for (const message of messages)
        if (message) fieldErrors.push({ field: FIELD_NAMES[key] ?? key, message });
    }
  } else if (Array.isArray(errors)) {
    for (const item of errors) {
      const message = cleanMessage(isPlainObject(item) ? item.message : item);
      if (message) generalMessages.push(message);
    }
  }
  const summary = cleanMessage(body.message) ?? cleanMessage(body.description) ?? generalMessages[0];
  const details = fieldErrors.map((error) => `${error.field}: ${error.message}`).join('; ');
  const message = summary && details ? `${summary} (${details})` : (summary ?? (details || undefined));
  return { message, fieldErrors };
}

export function toProxyhatError(failure: UpstreamFailure): ProviderError {
  return toProviderError(
    { provider: 'proxyhat', displayName: PROXYHAT_DESCRIPTION.displayName },
    failure,
    readProxyhatErrorBody,
  );
}
