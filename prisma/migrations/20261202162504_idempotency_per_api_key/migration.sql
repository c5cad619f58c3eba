-- DropIndex
DROP INDEX "idempotency_records_tenant_id_method_path_key_key";

-- AlterTable
ALTER TABLE "idempotency_records" ADD COLUMN     "api_key_id" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_records_tenant_id_api_key_id_method_path_key_key" ON "idempotency_records"("tenant_id", "api_key_id", "method", "path", "key");
