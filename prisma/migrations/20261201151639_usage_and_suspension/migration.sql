-- AlterTable
ALTER TABLE "sub_user_mappings" ADD COLUMN     "last_used_bytes" BIGINT,
ADD COLUMN     "lifetime_used_bytes" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "suspension" JSONB,
ADD COLUMN     "thresholds_crossed" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
ADD COLUMN     "usage_period" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "budget" JSONB,
ADD COLUMN     "usage_thresholds" INTEGER[] DEFAULT ARRAY[80, 90, 100]::INTEGER[];

-- CreateTable
CREATE TABLE "usage_buckets" (
    "sub_user_id" UUID NOT NULL,
    "granularity" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "used_bytes" BIGINT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_account_id" UUID NOT NULL,

    CONSTRAINT "usage_buckets_pkey" PRIMARY KEY ("sub_user_id","granularity","period_start")
);

-- CreateIndex
CREATE INDEX "usage_buckets_granularity_period_start_tenant_id_idx" ON "usage_buckets"("granularity", "period_start", "tenant_id");

-- CreateIndex
CREATE INDEX "usage_buckets_tenant_id_granularity_period_start_idx" ON "usage_buckets"("tenant_id", "granularity", "period_start");
