-- An admin's move of a sub-user to another tenant is checked against that tenant's budget
-- (maxSubUsers and maxTrafficBytes) as the change is claimed, and reserved there until it is
-- recorded or its claim expires: the sub-user then counts for both tenants, as a limit change in
-- flight counts the larger of its two limits. Before, a move was never checked against the
-- budget of the tenant it entered.
ALTER TABLE "sub_user_mappings" ADD COLUMN     "change_claim_tenant_id" TEXT;

-- The (few) moves in flight into a tenant, read with every check of its budget.
CREATE INDEX "sub_user_mappings_change_claim_tenant_id_idx" ON "sub_user_mappings"("change_claim_tenant_id") WHERE (change_claim_tenant_id IS NOT NULL);

-- What one record holds against its tenant's traffic budget, a change in flight aside: a
-- suspended sub-user the limit it gets back on resume, an open intent the limit its create asked
-- for, otherwise the provider's last reported limit (SQL or JSON null: unlimited). One definition
-- for the allocation below and for a move's own share (ledger/tenant-budget.ts, heldLimitOf).
CREATE FUNCTION sgw_held_limit(m sub_user_mappings) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT CASE
           WHEN m.suspension IS NOT NULL THEN m.suspension -> 'resumeLimitBytes'
           WHEN m.lifecycle = 'intent' THEN m.intent -> 'echo' -> 'trafficLimitBytes'
           ELSE m.snapshot -> 'traffic' -> 'limitBytes'
         END
$$;

-- sgw_tenant_allocation (migration change_claim_limit), now also counting the sub-users a move in
-- flight brings to the tenant.
CREATE OR REPLACE FUNCTION sgw_tenant_allocation(p_tenant_id text, p_except uuid)
RETURNS TABLE (sub_users int, allocated numeric, unlimited boolean)
LANGUAGE sql STABLE AS $$
  WITH counted AS (
    SELECT sgw_held_limit(m) AS limit_bytes,
           CASE WHEN m.change_claim_until > now() THEN m.change_claim_limit_bytes END AS claimed_bytes
      FROM sub_user_mappings m
     WHERE m.tenant_id = p_tenant_id AND m.lifecycle <> 'deleted' AND m.status <> 'deleting'
       AND m.id IS DISTINCT FROM p_except
    UNION ALL
    SELECT sgw_held_limit(m), m.change_claim_limit_bytes
      FROM sub_user_mappings m
     WHERE m.change_claim_tenant_id = p_tenant_id AND m.tenant_id <> p_tenant_id
       AND m.change_claim_until > now() AND m.lifecycle <> 'deleted' AND m.status <> 'deleting'
       AND m.id IS DISTINCT FROM p_except)
  SELECT count(*)::int,
         sum(GREATEST((limit_bytes #>> '{}')::numeric, claimed_bytes)),
         bool_or(limit_bytes IS NULL OR jsonb_typeof(limit_bytes) = 'null')
    FROM counted
$$;
