import { type StoredSubUser, toSubUserView } from '@app/domain';
import type { SubUserRecord } from '@app/persistence';
import type { SubUserDto } from './sub-user.dto';

/** The ETag of a sub-user: its record's version. */
export function etagOf(record: Pick<SubUserRecord, 'version'>): string {
  return `"v${record.version}"`;
}

/** The record as the API shows it (one definition with the events' data: libs/domain). */
export function toSubUserDto(record: StoredSubUser): SubUserDto {
  return toSubUserView(record) as SubUserDto;
}
