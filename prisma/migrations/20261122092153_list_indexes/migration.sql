-- DropIndex
DROP INDEX "sub_user_mappings_tenant_id_created_at_id_idx";

-- DropIndex
DROP INDEX "sub_user_mappings_tenant_id_status_created_at_id_idx";

-- CreateIndex
CREATE INDEX "sub_user_mappings_tenant_id_created_at_id_idx" ON "sub_user_mappings"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sub_user_mappings_tenant_id_status_created_at_id_idx" ON "sub_user_mappings"("tenant_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sub_user_mappings_provider_account_id_created_at_id_idx" ON "sub_user_mappings"("provider_account_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sub_user_mappings_provider_created_at_id_idx" ON "sub_user_mappings"("provider", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sub_user_mappings_status_created_at_id_idx" ON "sub_user_mappings"("status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sub_user_mappings_created_at_id_idx" ON "sub_user_mappings"("created_at" DESC, "id" DESC);
