-- A change in flight at the provider that sets a traffic limit reserves it: until the change is
-- recorded or its claim expires, the sub-user holds the larger of its limit and the one asked for.
-- Concurrent changes (a bulk update's items, two PATCHes) and creates then cannot together pass
-- the tenant's budget: each is checked, with the tenant's row locked, against what the others hold.
ALTER TABLE "sub_user_mappings" ADD COLUMN "change_claim_limit_bytes" BIGINT;

-- What a tenant holds against its budget (live sub-users, and the traffic their limits allocate):
-- a suspended sub-user holds the limit it gets back on resume, an open intent the limit its create
-- asked for, a change in flight the larger of its limit and the one it asks for. One definition
-- for creates (sgw_open_intent) and changes (ledger/tenant-budget.ts, tenantAllocation).
CREATE FUNCTION sgw_tenant_allocation(p_tenant_id text, p_except uuid)
RETURNS TABLE (sub_users int, allocated numeric, unlimited boolean)
LANGUAGE sql STABLE AS $$
  WITH held AS (
    SELECT CASE
             WHEN suspension IS NOT NULL THEN suspension -> 'resumeLimitBytes'
             WHEN lifecycle = 'intent' THEN intent -> 'echo' -> 'trafficLimitBytes'
             ELSE snapshot -> 'traffic' -> 'limitBytes'
           END AS limit_bytes,
           CASE WHEN change_claim_until > now() THEN change_claim_limit_bytes END AS claimed_bytes
      FROM sub_user_mappings
     WHERE tenant_id = p_tenant_id AND lifecycle <> 'deleted' AND status <> 'deleting'
       AND id IS DISTINCT FROM p_except)
  SELECT count(*)::int,
         sum(GREATEST((limit_bytes #>> '{}')::numeric, claimed_bytes)),
         bool_or(limit_bytes IS NULL OR jsonb_typeof(limit_bytes) = 'null')
    FROM held
$$;

-- sgw_open_intent (migration intent_name_locks), its budget read through sgw_tenant_allocation.
CREATE OR REPLACE FUNCTION sgw_open_intent(
  p_id uuid,
  p_tenant_id text,
  p_account_id uuid,
  p_provider text,
  p_name text,
  p_gateway_notes text,
  p_metadata jsonb,
  p_intent jsonb,
  p_intent_expires_at timestamptz,
  p_create_key text,
  p_at timestamptz,
  p_lock_key bigint,
  p_echo jsonb,
  p_has_password boolean,
  p_cleared jsonb,
  p_limit_bytes numeric,
  p_name_key text
) RETURNS TABLE (outcome text, detail jsonb, opened sub_user_mappings)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_row sub_user_mappings;
  v_earlier uuid;
  v_candidates jsonb;
  v_budget jsonb;
  v_sub_users int;
  v_allocated numeric;
  v_unlimited boolean;
BEGIN
  IF p_create_key IS NOT NULL THEN
    SELECT m.id INTO v_earlier FROM sub_user_mappings m
     WHERE m.tenant_id = p_tenant_id AND m.create_key = p_create_key;
    IF FOUND THEN
      RETURN QUERY SELECT 'earlier'::text, jsonb_build_object('id', v_earlier), NULL::sub_user_mappings;
      RETURN;
    END IF;
  END IF;

  -- Two creates whose echoes hold different names are always told apart, so only openings that
  -- could collide wait for each other: one with a name holds the account's lock shared and its
  -- name's lock exclusively; one without a name could match any intent and holds the account's
  -- lock exclusively (as renewIntent does). (The lock is held until the commit is on
  -- disk: an exclusive account lock capped one account at one opening per WAL flush.)
  IF p_name_key IS NULL THEN
    PERFORM pg_advisory_xact_lock(p_lock_key);
  ELSE
    PERFORM pg_advisory_xact_lock_shared(p_lock_key);
    PERFORM pg_advisory_xact_lock(hashtext(p_account_id::text), hashtext(p_name_key));
  END IF;

  SELECT jsonb_agg(jsonb_build_object('id', m.id, 'password', m.intent -> 'password'))
    INTO v_candidates
    FROM sub_user_mappings m
   WHERE m.provider_account_id = p_account_id
     AND m.lifecycle = 'intent'
     AND m.id <> p_id
     AND NOT EXISTS (
       SELECT 1 FROM jsonb_each(p_echo) AS n(key, value)
        WHERE jsonb_exists(m.intent -> 'echo', n.key) AND (m.intent -> 'echo' -> n.key) <> n.value)
     AND NOT COALESCE(jsonb_exists(p_cleared, m.id::text)
                      AND (p_cleared ->> m.id::text) = (m.intent -> 'password' ->> 'sha256'), false);
  IF v_candidates IS NOT NULL THEN
    IF NOT p_has_password OR EXISTS (
         SELECT 1 FROM jsonb_array_elements(v_candidates) AS c(value)
          WHERE c.value -> 'password' IS NULL OR jsonb_typeof(c.value -> 'password') = 'null') THEN
      RETURN QUERY SELECT 'conflict'::text, NULL::jsonb, NULL::sub_user_mappings;
    ELSE
      RETURN QUERY SELECT 'check-passwords'::text, v_candidates, NULL::sub_user_mappings;
    END IF;
    RETURN;
  END IF;

  SELECT t.budget INTO v_budget FROM tenants t WHERE t.id = p_tenant_id;
  IF v_budget IS NOT NULL AND jsonb_typeof(v_budget) = 'object' THEN
    SELECT t.budget INTO v_budget FROM tenants t WHERE t.id = p_tenant_id FOR UPDATE;
  END IF;
  IF v_budget IS NOT NULL AND jsonb_typeof(v_budget) = 'object' THEN
    -- What the tenant holds, changes in flight included (sgw_tenant_allocation).
    SELECT a.sub_users, a.allocated, a.unlimited INTO v_sub_users, v_allocated, v_unlimited
      FROM sgw_tenant_allocation(p_tenant_id, p_id) a;
    -- The rule of assertWithinBudget (ledger/tenant-budget.ts), for a create.
    IF (jsonb_exists(v_budget, 'maxSubUsers')
          AND v_sub_users + 1 > COALESCE((v_budget ->> 'maxSubUsers')::numeric, 0))
       OR (jsonb_exists(v_budget, 'maxTrafficBytes')
          AND (p_limit_bytes IS NULL OR COALESCE(v_unlimited, false)
               OR COALESCE(v_allocated, 0) + p_limit_bytes > COALESCE((v_budget ->> 'maxTrafficBytes')::numeric, 0)))
    THEN
      RETURN QUERY SELECT 'over-budget'::text,
        jsonb_build_object('budget', v_budget, 'held', jsonb_build_object(
          'subUsers', v_sub_users, 'allocatedBytes', COALESCE(v_allocated, 0),
          'unlimited', COALESCE(v_unlimited, false))),
        NULL::sub_user_mappings;
      RETURN;
    END IF;
  END IF;

  INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, lifecycle, status, name,
         gateway_notes, metadata, intent, intent_expires_at, create_key, version, created_at, updated_at)
  VALUES (p_id, p_tenant_id, p_account_id, p_provider, 'intent', 'provisioning', p_name, p_gateway_notes,
         p_metadata, p_intent, p_intent_expires_at, p_create_key, 1, p_at, p_at)
  RETURNING * INTO v_row;
  RETURN QUERY SELECT 'opened'::text, NULL::jsonb, v_row;
END
$$;
