import { randomBytes } from 'node:crypto';
import {
  type CreateSubUserInput,
  type ProviderSubUser,
  SUB_USER_API_FIELD_NAMES,
  type SubUserEcho,
  type SubUserStatus,
  type UpdateSubUserInput,
  formatTrafficAmount,
  parseTrafficAmount,
  validateTrafficLimit,
} from '@app/domain';
import { rejectUnsupportedFields } from '../field-support';
import { unexpectedAnswer } from '../upstream-errors';
import { laravelText } from '../text-fields';
import { PROXYHAT_DESCRIPTION } from './proxyhat.capabilities';
import type { ProxyhatSubUser, ProxyhatSubUserWrite } from './proxyhat.types';

/*
 * ProxyHat's unit convention: `traffic_limit` is sent as a human string with 1024-based units
 * ("5GB" = 5368709120 bytes) and reported back in bytes, as are `used_traffic` values.
 * `is_traffic_limited: false` means unlimited (traffic_limit is then meaningless).
 * We send the largest unit that holds the bytes exactly (units.formatTrafficAmount), so ProxyHat
 * parses back exactly the bytes we meant: no rounding happens on its side.
 *
 * ProxyHat is a Laravel app: name and notes are sent stripped, "" as null (text-fields.ts), so
 * what it holds does not depend on its TrimStrings/ConvertEmptyStringsToNull middleware.
 * Payloads may carry `proxy_password`: reported as the transient `revealedPassword`.
 *
 * Status: lifecycle_status "Active" → active, "Deleting" → deleting, suspended_at set →
 * suspended. Other values are undocumented: kept raw in providerStatus and mapped to `unknown`.
 */

const LIFECYCLE_STATUSES: Record<string, SubUserStatus> = {
  active: 'active',
  deleting: 'deleting',
  deleted: 'deleted',
  suspended: 'suspended',
  pending: 'provisioning',
  provisioning: 'provisioning',
  creating: 'provisioning',
};

export function toStatus(
  lifecycleStatus: string | null | undefined,
  suspendedAt: string | null | undefined,
): SubUserStatus {
  const mapped =
    typeof lifecycleStatus === 'string'
      ? LIFECYCLE_STATUSES[lifecycleStatus.trim().toLowerCase()]
      : undefined;
  // A deletion in progress outranks a suspension; a suspension outranks "Active".
  if (mapped === 'deleting' || mapped === 'deleted') return mapped;
  if (suspendedAt) return 'suspended';
  return mapped ?? 'unknown';
}

function toIsoTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

export function toDomain(raw: ProxyhatSubUser): ProviderSubUser {
  if (typeof raw?.uuid !== 'string' || raw.uuid.length === 0)
    throw unexpectedAnswer(
      { provider: 'proxyhat', displayName: PROXYHAT_DESCRIPTION.displayName },
      'sub-user (no uuid)',
    );
  return {
    provider: 'proxyhat',
    providerSubUserId: raw.uuid,
    name: raw.name ?? null,
    notes: raw.notes ?? null,
    status: toStatus(raw.lifecycle_status, raw.suspended_at),
    providerStatus: raw.lifecycle_status ?? null,
    traffic: {
      limitBytes: raw.is_traffic_limited && typeof raw.traffic_limit === 'number' ? raw.traffic_limit : null,
      usedBytes: typeof raw.used_traffic === 'number' ? raw.used_traffic : null,
      periodStart: null,
      periodEnd: null,
    },
    maxConcurrency: null,
    countries: null,
    groupId: raw.sub_user_group_id ?? null,
    proxyUsername: raw.proxy_username ?? null,
    stats: null,
    isDefault: raw.is_default_user === true,
    createdAt: toIsoTimestamp(raw.created_at),
    updatedAt: toIsoTimestamp(raw.updated_at),
    ...(typeof raw.proxy_password === 'string' ? { revealedPassword: raw.proxy_password } : {}),
  };
}

/** A password ProxyHat requires on create when the caller gave none: 24 URL-safe characters. */
export function generateProxyPassword(): string {
  return randomBytes(18).toString('base64url');
}

function writeTraffic(body: ProxyhatSubUserWrite, limitBytes: number | null | undefined): void {
  if (limitBytes === undefined) return;
  const bytes = validateTrafficLimit(limitBytes, SUB_USER_API_FIELD_NAMES.trafficLimitBytes);
  if (bytes === null) {
    body.is_traffic_limited = false;
  } else {
    body.is_traffic_limited = true;
    body.traffic_limit = formatTrafficAmount(bytes);
  }
}

/** POST body. `proxy_password` is required by ProxyHat: pass `generatedPassword` when the input has none. */
export function toProviderCreate(
  input: CreateSubUserInput,
  generatedPassword?: string,
): ProxyhatSubUserWrite {
  rejectUnsupportedFields('proxyhat', PROXYHAT_DESCRIPTION.fields, input);
  const body: ProxyhatSubUserWrite = {};
  const password = input.proxyPassword ?? generatedPassword;
  if (password !== undefined) body.proxy_password = password;
  writeTraffic(body, input.trafficLimitBytes);
  writeText(body, input);
  if (input.groupId !== undefined && input.groupId !== null) body.sub_user_group_id = input.groupId;
  return body;
}

/** PUT body (ProxyHat updates only the fields sent): `null` clears notes and group, `null` traffic = unlimited. */
export function toProviderUpdate(input: UpdateSubUserInput): ProxyhatSubUserWrite {
  rejectUnsupportedFields('proxyhat', PROXYHAT_DESCRIPTION.fields, input);
  const body: ProxyhatSubUserWrite = {};
  if (input.proxyPassword !== undefined) body.proxy_password = input.proxyPassword;
  writeTraffic(body, input.trafficLimitBytes);
  writeText(body, input);
  if (input.groupId !== undefined) body.sub_user_group_id = input.groupId;
  return body;
}

function writeText(body: ProxyhatSubUserWrite, input: CreateSubUserInput | UpdateSubUserInput): void {
  if (input.name !== undefined) body.name = laravelText(input.name);
  if (input.notes !== undefined) body.notes = input.notes === null ? null : laravelText(input.notes);
}

/**
 * What ProxyHat holds after creating `input`: the body sent (stripped text, the caller's
 * password) as ProxyHat reads it — traffic_limit "5GB" parsed with 1024-based units, exactly as
 * parseTrafficAmount does (traffic-roundtrip.spec checks they agree), is_traffic_limited false
 * as unlimited. A password the driver generates is not in it.
 */
export function toExpectedEcho(input: CreateSubUserInput): SubUserEcho {
  const body = toProviderCreate(input);
  const echo: SubUserEcho = {};
  if (body.name !== undefined) echo.name = body.name;
  if (body.notes !== undefined) echo.notes = body.notes;
  if (body.is_traffic_limited !== undefined) {
    echo.trafficLimitBytes =
      body.is_traffic_limited && body.traffic_limit !== undefined
        ? parseTrafficAmount(body.traffic_limit)
        : null;
  }
  if (input.groupId !== undefined) echo.groupId = input.groupId;
  if (body.proxy_password !== undefined) echo.proxyPassword = body.proxy_password;
  return echo;
}
