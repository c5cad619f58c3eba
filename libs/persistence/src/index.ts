// The persistence library's public face: the module, the ledger (the one writer of sub-user
// records, the audit log and the outbox), transactions, and repositories that own their queries.
// No database client leaves it (tests reach one through ./testing).
export * from './database-target';
export type { Database } from './database';
export { openDatabase, startEmbedded, PGLITE_EXTENSIONS } from './database';
export * from './persistence.module';
export * from './migrations/migration-files';
export * from './migrations/migration-runner';
export { Tx, Transactions } from './transactions';
export { DatabaseProbe } from './database-probe';
export * from './ledger/ledger';
export { FINAL_STATUSES } from './ledger/transitions';
export { ApiKeyRepository, type NewApiKey } from './repositories/api-key.repository';
export { AuditRepository, type AuditEventFilter } from './repositories/audit.repository';
export { EventRepository, type EventFilter } from './repositories/event.repository';
export { IdempotencyRepository, type IdempotencyScope } from './repositories/idempotency.repository';
export {
  JobRepository,
  type JobStatus,
  type NewJob,
  type JobListFilter,
} from './repositories/job.repository';
export {
  ProviderAccountRepository,
  type NewProviderAccount,
  type ProviderAccountChanges,
} from './repositories/provider-account.repository';
export {
  SubUserMappingRepository,
  type SubUserListFilter,
  type ListPosition,
  type ActiveKey,
} from './repositories/sub-user-mapping.repository';
export { TenantRepository, type RowPosition } from './repositories/tenant.repository';
export {
  UsageRepository,
  type UsageGranularity,
  type UsageGrouping,
  type UsageQuery,
  type UsageRow,
} from './repositories/usage.repository';
export {
  WebhookDeliveryRepository,
  type AttemptReport,
  type ClaimedDelivery,
  type DeliveredEvent,
  type FailedAttemptReport,
} from './repositories/webhook-delivery.repository';
export {
  WebhookEndpointRepository,
  type NewWebhookEndpoint,
  type WebhookEndpointChanges,
} from './repositories/webhook-endpoint.repository';
export { isRecordGone, isUniqueViolation } from './unique-violation';
export type {
  ApiKey,
  AuditEvent,
  IdempotencyRecord,
  Job,
  OutboxEvent,
  ProviderAccount,
  Tenant,
  WebhookDelivery,
  WebhookEndpoint,
} from './generated/prisma/client';
export { Prisma } from './generated/prisma/client';
export { evidenceMatches, INTENT_CLOCK_SKEW_MS, passwordCheckOf } from './ledger/intent-evidence';
export { evidenceOf, windowOf } from './ledger/intents';
export { sameSnapshot, toSnapshot } from './ledger/snapshot';
export { assertWithinBudget, type TenantBudget, type TenantAllocation } from './ledger/tenant-budget';
