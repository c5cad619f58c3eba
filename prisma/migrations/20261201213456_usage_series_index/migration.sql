-- CreateIndex
CREATE INDEX "usage_buckets_sub_user_id_granularity_period_start_used_byt_idx" ON "usage_buckets"("sub_user_id", "granularity", "period_start", "used_bytes");
