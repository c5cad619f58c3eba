-- DropIndex
DROP INDEX "webhook_deliveries_endpoint_id_subject_id_event_seq_idx";

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_status_next_attempt_at_idx" ON "webhook_deliveries"("endpoint_id", "status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_subject_id_status_event_seq_idx" ON "webhook_deliveries"("endpoint_id", "subject_id", "status", "event_seq");
