import {
  type CreateSubUserInput,
  type FieldError,
  type FieldFormat,
  GatewayError,
  type ProviderDescription,
  type ProviderName,
  SUB_USER_API_FIELD_NAMES,
  type SubUserInputField,
  type UpdateSubUserInput,
  parseTrafficLimit,
} from '@app/domain';
import type { CreateSubUserDto, UpdateSubUserDto } from './sub-user.dto';

/** What a request asks of the provider, and what the gateway keeps itself. */
export interface ProviderInput<Input> {
  /** Sent to the provider (fields it holds natively). */
  input: Input;
  /** Kept by the gateway where the provider has no such field (absent = not given). */
  gatewayNotes?: string | null;
  gatewayName?: string | null;
}

type FieldValues = Partial<Record<SubUserInputField, unknown>>;

function matchesWhole(format: FieldFormat, value: string): boolean {
  return new RegExp(`^(?:${format.pattern})$`, 'u').test(value);
}

function fieldValues(dto: CreateSubUserDto | UpdateSubUserDto): FieldValues {
  const values: FieldValues = {
    name: dto.name,
    notes: dto.notes,
    trafficLimitBytes:
      dto.trafficLimit === undefined ? undefined : parseTrafficLimit(dto.trafficLimit, 'trafficLimit'),
    maxConcurrency: dto.maxConcurrency,
    countries: dto.countries,
    groupId: dto.groupId,
    proxyUsername: dto.proxyUsername,
  };
  if ('proxyPassword' in dto) values.proxyPassword = dto.proxyPassword;
  return values;
}

/**
 * Splits a request between the provider and the gateway by the provider's field table, refusing
 * every field it cannot hold in one answer (422 UNSUPPORTED_BY_PROVIDER, all fields in `errors`)
 * before anything is sent: never a field silently dropped.
 */
function split<Input extends CreateSubUserInput | UpdateSubUserInput>(
  provider: ProviderName,
  description: ProviderDescription,
  values: FieldValues,
): ProviderInput<Input> {
  const input: Record<string, unknown> = {};
  const result: ProviderInput<Input> = { input: input as Input };
  const unsupported: FieldError[] = [];
  const malformed: FieldError[] = [];
  for (const [field, value] of Object.entries(values) as [SubUserInputField, unknown][]) {
    if (value === undefined) continue;
    const { support, format } = description.fields[field];
    if (support !== 'unsupported' && format && typeof value === 'string' && !matchesWhole(format, value)) {
      malformed.push({
        field: SUB_USER_API_FIELD_NAMES[field],
        message: `${description.displayName} accepts ${format.rule}`,
      });
    }
    if (support === 'native') input[field] = value;
    else if (support === 'gateway' && field === 'notes') result.gatewayNotes = value as string | null;
    else if (support === 'gateway' && field === 'name') result.gatewayName = value as string | null;
    // null on a field the provider lacks clears nothing: accepted as a no-op.
    else if (support === 'unsupported' && value !== null) {
      unsupported.push({
        field: SUB_USER_API_FIELD_NAMES[field],
        message: `${description.displayName} has no such field: ${description.fields[field].description}`,
      });
    }
  }
  if (unsupported.length > 0) {
    throw new GatewayError(
      'UNSUPPORTED_BY_PROVIDER',
      `${unsupported.map((error) => `'${error.field}'`).join(', ')} ${unsupported.length === 1 ? 'is' : 'are'} not supported by provider '${provider}'`,
      { fieldErrors: unsupported, extras: { provider, operationOrField: unsupported[0].field } },
    );
  }
  if (malformed.length > 0) {
    throw new GatewayError(
      'VALIDATION_FAILED',
      malformed.map((error) => `${error.field}: ${error.message}`).join('; '),
      { fieldErrors: malformed },
    );
  }
  if (values.trafficLimitBytes === null && !description.capabilities.unlimitedTraffic) {
    throw new GatewayError(
      'VALIDATION_FAILED',
      `trafficLimit: ${description.displayName} traffic is prepaid and allocated from the account's balance; it cannot be unlimited (null)`,
      { fieldErrors: [{ field: 'trafficLimit', message: 'cannot be unlimited (null) on this provider' }] },
    );
  }
  return result;
}

export function createInputFor(
  provider: ProviderName,
  description: ProviderDescription,
  dto: CreateSubUserDto,
): ProviderInput<CreateSubUserInput> {
  return split(provider, description, fieldValues(dto));
}

export function updateInputFor(
  provider: ProviderName,
  description: ProviderDescription,
  dto: UpdateSubUserDto,
): ProviderInput<UpdateSubUserInput> {
  return split(provider, description, fieldValues(dto));
}
