import { randomInt } from 'node:crypto';
import {
  type CreateSubUserInput,
  DomainValidationError,
  type ProviderSubUser,
  SUB_USER_API_FIELD_NAMES,
  type SubUserEcho,
  type UpdateSubUserInput,
  bytesToGigabytes,
  gigabytesToBytes,
} from '@app/domain';
import { rejectUnsupportedFields } from '../field-support';
import { unexpectedAnswer } from '../upstream-errors';
import { laravelText } from '../text-fields';
import { IPROYAL_DESCRIPTION } from './iproyal.capabilities';
import type { IproyalMe, IproyalSubUser, IproyalSubUserWrite } from './iproyal.types';

/*
 * IPRoyal's unit convention: traffic is a float number of GB, 1 GB = 1024³ bytes (as the other
 * providers count it). Traffic is prepaid: `traffic_available` is what is still allocated to the
 * sub-user, `traffic_used` what it has used; the normalized `traffic.limitBytes` is the
 * allocation, available + used, which usage does not change. Create and PUT `traffic` SET
 * traffic_available (moved from or back to the account's balance).
 *
 * IPRoyal does not document how many decimals of a GB it keeps (the sandbox that simulates it
 * reports 9). Amounts are sent rounded to 9 decimals (a nano-GB is about one byte), so they come
 * back as sent, where an exact binary fraction such as 1.0000000009313226 could be shortened by
 * the provider and read back a byte off. A requested allocation may thus move by one byte, once,
 * visibly: the answer reports what IPRoyal holds. This holds up to 128 TiB (2^17 GB); beyond it
 * a double's own rounding nears half a nano-GB, and an amount may move by a byte or two more.
 *
 * IPRoyal has no name, notes, status or dates: a sub-user that exists is `active`; name and notes
 * are the gateway's. Every answer carries the proxy password in plain text: it becomes the
 * transient `revealedPassword`, never stored.
 */

const API = SUB_USER_API_FIELD_NAMES;
const GB_DECIMAL_SCALE = 1e9;

/** Bytes → the GB float sent to IPRoyal (9 decimals). */
export function bytesToIproyalGigabytes(bytes: number): number {
  return Math.round(bytesToGigabytes(bytes) * GB_DECIMAL_SCALE) / GB_DECIMAL_SCALE;
}

/** The allocation: available + used, added in GB before rounding once to whole bytes. */
export function allocationBytes(raw: Pick<IproyalSubUser, 'traffic_available' | 'traffic_used'>): number {
  return gigabytesToBytes(finiteOrZero(raw.traffic_available) + finiteOrZero(raw.traffic_used));
}

function finiteOrZero(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function toDomain(raw: IproyalSubUser): ProviderSubUser {
  if (typeof raw?.hash !== 'string' || raw.hash.length === 0)
    throw unexpectedAnswer(
      { provider: 'iproyal', displayName: IPROYAL_DESCRIPTION.displayName },
      'sub-user (no hash)',
    );
  return {
    provider: 'iproyal',
    providerSubUserId: raw.hash,
    name: null,
    notes: null,
    status: 'active',
    providerStatus: null,
    traffic: {
      limitBytes: allocationBytes(raw),
      usedBytes: gigabytesToBytes(finiteOrZero(raw.traffic_used)),
      periodStart: null,
      periodEnd: null,
    },
    maxConcurrency: null,
    countries: null,
    groupId: null,
    proxyUsername: raw.username ?? null,
    stats: null,
    createdAt: null,
    updatedAt: null,
    ...(typeof raw.password === 'string' ? { revealedPassword: raw.password } : {}),
  };
}

/** `GET /me`: the account's unallocated prepaid traffic (GB) in bytes. */
export function balanceBytes(me: Pick<IproyalMe, 'available_traffic'>): number {
  return gigabytesToBytes(finiteOrZero(me.available_traffic));
}

/**
 * A requested allocation in bytes. Null (unlimited) has no meaning for prepaid traffic. Zero is
 * allowed, unlike on the other providers: nothing allocated is a real state here (a new sub-user
 * waiting for traffic, or one suspended before it used any).
 */
function checkedAllocation(bytes: number | null): number {
  if (bytes === null) {
    throw new DomainValidationError(
      API.trafficLimitBytes,
      'IPRoyal traffic is prepaid and allocated from the account balance: it cannot be unlimited (null); give an amount',
    );
  }
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw new DomainValidationError(API.trafficLimitBytes, 'must be a whole, non-negative number of bytes');
  }
  return bytes;
}

/** Letters and digits only: IPRoyal reads proxy options after `_` and `-` in the password. */
const CREDENTIAL_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const USERNAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomText(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}

export interface GeneratedCredentials {
  username: string;
  password: string;
}

/** IPRoyal requires both on create: used for whichever the caller did not choose. */
export function generateCredentials(): GeneratedCredentials {
  return {
    username: `gw${randomText(USERNAME_ALPHABET, 14)}`,
    password: randomText(CREDENTIAL_ALPHABET, 24),
  };
}

/**
 * Create body: username, password and traffic are all required by IPRoyal. `generated` fills in
 * the credentials the input lacks; an input without an allocation is sent as 0 (nothing allocated).
 * The username is sent stripped (Laravel's TrimStrings would strip it; passwords it leaves alone).
 */
export function toProviderCreate(
  input: CreateSubUserInput,
  generated?: Partial<GeneratedCredentials>,
): IproyalSubUserWrite {
  rejectUnsupportedFields('iproyal', IPROYAL_DESCRIPTION.fields, input);
  const body: IproyalSubUserWrite = {};
  const username = input.proxyUsername ?? generated?.username;
  if (username !== undefined) body.username = laravelText(username);
  const password = input.proxyPassword ?? generated?.password;
  if (password !== undefined) body.password = password;
  body.traffic =
    input.trafficLimitBytes === undefined
      ? 0
      : bytesToIproyalGigabytes(checkedAllocation(input.trafficLimitBytes));
  return body;
}

/** Refuses what an update can never send, before any call (the allocation needs a read first). */
export function checkUpdate(input: UpdateSubUserInput): void {
  rejectUnsupportedFields('iproyal', IPROYAL_DESCRIPTION.fields, input);
  if (input.trafficLimitBytes !== undefined) checkedAllocation(input.trafficLimitBytes);
}

/**
 * PUT body: only the fields given. A new allocation needs the sub-user's used traffic, because
 * IPRoyal's `traffic` sets what is still available: available = allocation − used. An allocation
 * below what is already used cannot be: refused, never clamped.
 */
export function toProviderUpdate(input: UpdateSubUserInput, usedBytes?: number): IproyalSubUserWrite {
  checkUpdate(input);
  const body: IproyalSubUserWrite = {};
  if (input.proxyUsername !== undefined) body.username = laravelText(input.proxyUsername);
  if (input.proxyPassword !== undefined) body.password = input.proxyPassword;
  if (input.trafficLimitBytes !== undefined) {
    const allocation = checkedAllocation(input.trafficLimitBytes);
    if (usedBytes === undefined) throw new Error('setting an IPRoyal allocation needs the used traffic');
    if (allocation < usedBytes) {
      throw new DomainValidationError(
        API.trafficLimitBytes,
        `the sub-user has already used ${usedBytes} bytes of its prepaid traffic: its allocation ` +
          '(available + used) cannot be set below that',
      );
    }
    body.traffic = bytesToIproyalGigabytes(allocation - usedBytes);
  }
  return body;
}

/**
 * What IPRoyal holds after creating `input`: the stripped username, the caller's password, and
 * the allocation as the 9-decimal GB amount sent, read back as toDomain reads it (nothing is used
 * yet). Generated credentials are not in it: the gateway passes its own when it wants to match
 * by them.
 */
export function toExpectedEcho(input: CreateSubUserInput): SubUserEcho {
  const body = toProviderCreate(input);
  const echo: SubUserEcho = {};
  if (input.proxyUsername !== undefined) echo.proxyUsername = body.username ?? null;
  if (input.proxyPassword !== undefined && body.password !== undefined) echo.proxyPassword = body.password;
  if (input.trafficLimitBytes !== undefined && body.traffic !== undefined) {
    echo.trafficLimitBytes = allocationBytes({ traffic_available: body.traffic, traffic_used: 0 });
  }
  return echo;
}
