-- AlterTable
ALTER TABLE "provider_accounts" ADD COLUMN     "balance_bytes" BIGINT,
ADD COLUMN     "balance_observed_at" TIMESTAMPTZ(3),
ADD COLUMN     "granted_tenants" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "sharing" TEXT NOT NULL DEFAULT 'all';
