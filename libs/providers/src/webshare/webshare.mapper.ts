import {
  type CreateSubUserInput,
  type ProviderSubUser,
  SUB_USER_API_FIELD_NAMES,
  type SubUserEcho,
  type SubUserStats,
  type UpdateSubUserInput,
  bytesToGigabytes,
  gigabytesToBytes,
  validateTrafficLimit,
} from '@app/domain';
import { rejectUnsupportedFields } from '../field-support';
import { unexpectedAnswer } from '../upstream-errors';
import { stripEdgeWhitespace } from '../text-fields';
import { WEBSHARE_DESCRIPTION } from './webshare.capabilities';
import type { WebshareAggregateStats, WebshareSubUser, WebshareSubUserWrite } from './webshare.types';

/*
 * Webshare's unit convention: `proxy_limit` is a float number of GB, 1 GB = 1024³ bytes, and
 * 0 means unlimited. Sending bytes / 1024³ is exact for every whole byte count (division by a
 * power of two), so what we send comes back as the same bytes; on the way in the float is
 * rounded to the nearest byte (units.gigabytesToBytes).
 * Webshare has no status: a sub-user that exists is `active`, with providerStatus null.
 * Webshare has no notes: they are ignored here and kept by the gateway (capabilities.notes).
 * Webshare strips whitespace around `label` (DRF CharField): the label is sent already stripped
 * (text-fields.ts), so Webshare holds exactly what was sent ("x " is listed as "x").
 */

export function webshareLimitToBytes(proxyLimitGb: number | null | undefined): number | null {
  if (proxyLimitGb === null || proxyLimitGb === undefined || proxyLimitGb <= 0) return null;
  return gigabytesToBytes(proxyLimitGb);
}

export function bytesToWebshareLimit(limitBytes: number | null): number {
  const bytes = validateTrafficLimit(limitBytes, SUB_USER_API_FIELD_NAMES.trafficLimitBytes);
  return bytes === null ? 0 : bytesToGigabytes(bytes);
}

/** Webshare sends local times with an offset; the gateway speaks UTC ISO-8601. */
function toIsoTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

function numberOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function toStats(raw: WebshareAggregateStats | null | undefined): SubUserStats | null {
  if (!raw) return null;
  return {
    bandwidthTotalBytes: numberOrNull(raw.bandwidth_total),
    bandwidthProjectedBytes: numberOrNull(raw.bandwidth_projected),
    bandwidthAverageBytes: numberOrNull(raw.bandwidth_average),
    requestsTotal: numberOrNull(raw.requests_total),
    requestsSuccessful: numberOrNull(raw.requests_successful),
    requestsFailed: numberOrNull(raw.requests_failed),
    errorReasons: (raw.error_reasons ?? []).map((reason) => ({
      reason: reason.reason,
      type: reason.type ?? null,
      howToFix: reason.how_to_fix ?? null,
      httpStatus: reason.http_status ?? null,
      count: reason.count,
    })),
    countriesUsed: { ...(raw.countries_used ?? {}) },
    numberOfProxiesUsed: numberOrNull(raw.number_of_proxies_used),
    protocolsUsed: { ...(raw.protocols_used ?? {}) },
    averageConcurrency: numberOrNull(raw.average_concurrency),
    averageRps: numberOrNull(raw.average_rps),
    lastRequestAt: toIsoTimestamp(raw.last_request_sent_at),
  };
}

export function toDomain(raw: WebshareSubUser): ProviderSubUser {
  if (typeof raw?.id !== 'number' || !Number.isSafeInteger(raw.id))
    throw unexpectedAnswer(
      { provider: 'webshare', displayName: WEBSHARE_DESCRIPTION.displayName },
      'sub-user (no id)',
    );
  const stats = toStats(raw.aggregate_stats);
  return {
    provider: 'webshare',
    providerSubUserId: String(raw.id),
    name: raw.label ?? null,
    notes: null,
    status: 'active',
    providerStatus: null,
    traffic: {
      limitBytes: webshareLimitToBytes(raw.proxy_limit),
      usedBytes: stats?.bandwidthTotalBytes ?? null,
      periodStart: toIsoTimestamp(raw.bandwidth_use_start_date),
      periodEnd: toIsoTimestamp(raw.bandwidth_use_end_date),
    },
    maxConcurrency: numberOrNull(raw.max_thread_count),
    countries: raw.proxy_countries ? { ...raw.proxy_countries } : null,
    groupId: null,
    proxyUsername: null,
    stats,
    createdAt: toIsoTimestamp(raw.created_at),
    updatedAt: toIsoTimestamp(raw.updated_at),
  };
}

function toWrite(input: CreateSubUserInput | UpdateSubUserInput): WebshareSubUserWrite {
  rejectUnsupportedFields('webshare', WEBSHARE_DESCRIPTION.fields, input);
  const body: WebshareSubUserWrite = {};
  if (input.name !== undefined) body.label = stripEdgeWhitespace(input.name);
  if (input.trafficLimitBytes !== undefined) body.proxy_limit = bytesToWebshareLimit(input.trafficLimitBytes);
  if (input.maxConcurrency !== undefined) body.max_thread_count = input.maxConcurrency;
  if (input.countries !== undefined)
    body.proxy_countries = input.countries === null ? null : { ...input.countries };
  return body;
}

/** POST body. Notes are not sent (the gateway keeps them). */
export function toProviderCreate(input: CreateSubUserInput): WebshareSubUserWrite {
  return toWrite(input);
}

/** PATCH body: absent fields stay as they are; `trafficLimitBytes: null` → 0 (unlimited). */
export function toProviderUpdate(input: UpdateSubUserInput): WebshareSubUserWrite {
  return toWrite(input);
}

/**
 * What Webshare holds after creating `input`: derived from the body sent, as Webshare reads it —
 * the stripped label, and proxy_limit as the GB float it stores (a JSON number: a double both
 * ways), read back to bytes as toDomain does. Notes are not Webshare's (the gateway keeps them).
 */
export function toExpectedEcho(input: CreateSubUserInput): SubUserEcho {
  const body = toProviderCreate(input);
  const echo: SubUserEcho = {};
  if (body.label !== undefined) echo.name = body.label;
  if (body.proxy_limit !== undefined) {
    const stored = JSON.parse(JSON.stringify(body.proxy_limit)) as number;
    echo.trafficLimitBytes = webshareLimitToBytes(stored);
  }
  if (body.max_thread_count !== undefined) echo.maxConcurrency = body.max_thread_count;
  if (body.proxy_countries !== undefined) echo.countries = body.proxy_countries;
  return echo;
}
