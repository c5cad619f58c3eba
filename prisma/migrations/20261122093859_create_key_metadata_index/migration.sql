-- AlterTable
ALTER TABLE "sub_user_mappings" ADD COLUMN     "create_key" TEXT;

-- CreateIndex
CREATE INDEX "sub_user_mappings_tenant_id_create_key_idx" ON "sub_user_mappings"("tenant_id", "create_key");

-- CreateIndex
CREATE INDEX "sub_user_mappings_metadata_idx" ON "sub_user_mappings" USING GIN ("metadata" jsonb_path_ops);
