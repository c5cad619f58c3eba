import { ProxyhatGroup, ProxyhatGroupView, ProxyhatSubUser } from './types';

/**
 * Groups as the API answers them: with their `sub_users` (the official Go SDK's SubUserGroup
 * has `SubUsers []any`; the sandbox lists the member sub-user objects in creation order).
 * One pass over the sub-users, however many groups.
 */
export function withMembers(
  groups: ProxyhatGroup[],
  subUsers: Iterable<ProxyhatSubUser>,
): ProxyhatGroupView[] {
  const members = new Map<string, ProxyhatSubUser[]>(groups.map((group) => [group.id, []]));
  for (const subUser of subUsers) {
    if (subUser.sub_user_group_id !== null) members.get(subUser.sub_user_group_id)?.push({ ...subUser });
  }
  return groups.map((group) => ({ ...group, sub_users: members.get(group.id) ?? [] }));
}
