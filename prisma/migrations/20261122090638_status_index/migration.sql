-- CreateIndex
CREATE INDEX "sub_user_mappings_status_updated_at_idx" ON "sub_user_mappings"("status", "updated_at");
