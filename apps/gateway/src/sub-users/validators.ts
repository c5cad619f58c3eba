import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';
import { isGatewayError, parseTrafficAmount } from '@app/domain';

/** Bytes (a positive integer) or a string with a unit ("5GB", "500 MB", "1.5GiB"); 0 is refused. */
export function IsTrafficAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrafficAmount',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'number' && typeof value !== 'string') return false;
          try {
            return parseTrafficAmount(value) > 0;
          } catch (error) {
            if (isGatewayError(error)) return false;
            throw error;
          }
        },
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a positive number of bytes or a string such as "5GB" or "500MB" (1 GB = 1024³ bytes); use null for unlimited`,
          options,
        ),
      },
    },
    options,
  );
}

/** `{ "US": 10, "ZZ": 5 }`: ISO country code (or ZZ, any) → a whole number of proxies. */
export function IsCountryMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCountryMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 300 &&
          Object.entries(value).every(
            ([code, count]) =>
              /^[A-Z]{2}$/.test(code) && Number.isInteger(count) && count >= 0 && count <= 1_000_000,
          ),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must map two-letter country codes (ZZ = any) to whole numbers of proxies`,
          options,
        ),
      },
    },
    options,
  );
}

/** Caller tags: at most 50 keys (1–64 chars of letters, digits, `._-:`), string values up to 512 chars. */
export function IsMetadata(allowNullValues: boolean, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 50 &&
          Object.entries(value).every(
            ([key, entry]) =>
              /^[A-Za-z0-9._:-]{1,64}$/.test(key) &&
              ((typeof entry === 'string' && entry.length <= 512) || (allowNullValues && entry === null)),
          ),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an object of at most 50 keys (letters, digits, . _ - :, up to 64 characters) with string values up to 512 characters${allowNullValues ? ' (null removes a key)' : ''}`,
          options,
        ),
      },
    },
    options,
  );
}
