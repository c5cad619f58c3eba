import {
  type CreateSubUserInput,
  type FieldSupportTable,
  type ProviderName,
  SUB_USER_INPUT_FIELDS,
  UnsupportedByProviderError,
  type UpdateSubUserInput,
} from '@app/domain';

/**
 * Refuses input fields the provider has no place for. `undefined` is "not given"; `null` on an
 * unsupported field is accepted as a no-op (there is nothing to clear). Fields the gateway keeps
 * (`support: 'gateway'`) pass: the driver ignores them and the API layer stores them.
 */
export function rejectUnsupportedFields(
  provider: ProviderName,
  fields: FieldSupportTable,
  input: CreateSubUserInput | UpdateSubUserInput,
): void {
  for (const field of SUB_USER_INPUT_FIELDS) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (fields[field].support === 'unsupported') throw new UnsupportedByProviderError(provider, field);
  }
}
