/**
 * Every event type the gateway announces, with what it means: the one list Swagger documents and
 * webhook subscriptions are checked against. A new announcement adds its type here.
 */
export const EVENT_TYPES = {
  'sub-user.created':
    'A create completed: the provider answered it, or the sync found the sub-user a lost answer had created',
  'sub-user.updated': 'A change was applied; `changes` holds the fields that changed, before and after',
  'sub-user.moved-out':
    'An admin moved the sub-user to another tenant: it is no longer this tenant’s; `data` is the sub-user as this tenant last had it',
  'sub-user.moved-in':
    'An admin moved the sub-user into this tenant (from another, which gets `sub-user.moved-out`); `data` is the sub-user as it is now',
  'sub-user.deleting': 'A delete was accepted and the provider finishes it later',
  'sub-user.deleted': 'A sub-user was deleted',
  'sub-user.vanished': 'The provider no longer has the sub-user (deleted outside the gateway)',
  'sub-user.unknown': 'A fresh read did not find the sub-user at its provider',
  'sub-user.adopted':
    'The sync found a sub-user created outside the gateway and took it in (tenant `default`)',
  'sub-user.drift-detected':
    'Somebody changed the sub-user at the provider; `changes` holds the fields, before and after',
  'sub-user.intent-expired': 'A create whose answer was lost created nothing',
  'sub-user.intent-ambiguous':
    'A lost create matches several provider sub-users: all were adopted, a person must decide',
  'sub-user.password-rotated': 'The proxy password changed (the password itself is never in an event)',
  'sub-user.proxy-list-refreshed': 'The proxy list was refreshed',
  'sub-user.usage-reset': 'The traffic counter was reset',
  'sub-user.suspended': 'Traffic was stopped',
  'sub-user.resumed': 'Traffic was allowed again after a suspension',
  'sub-user.usage-threshold':
    'Usage crossed one of the tenant’s thresholds (percent of the traffic limit; once per provider period); `changes.threshold` says which',
  'sub-user.traffic-exhausted': 'Usage reached the traffic limit (once per provider period)',
  'tenant.updated': 'A tenant’s usage thresholds or budget changed',
  'tenant.budget-exceeded':
    'A tenant used more traffic this month than its budget allows (once per period); with onExceed=suspend its sub-users are being suspended',
  'provider-account.created': 'A provider account was registered',
  'provider-account.updated': 'A provider account was changed',
  'provider-account.deleted': 'A provider account was removed',
  'provider-account.auth-failed':
    'The provider refused the gateway’s key for this account (once per failing streak of each gateway replica)',
  'provider-account.circuit-opened':
    'Calls to this account are failing: the gateway stopped sending them for a while',
  'provider-account.circuit-closed': 'The account answers again after its circuit had opened',
  'job.finished':
    'A job (bulk operation, sync) succeeded or failed; `data` is the job as GET /v1/jobs/{id} shows it',
  'webhook-endpoint.disabled': 'An endpoint failing for WEBHOOK_DISABLE_AFTER (3 days) was switched off',
  'webhook.test': 'Sent by POST /v1/webhook-endpoints/{id}/test to that endpoint only; not in the feed',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
