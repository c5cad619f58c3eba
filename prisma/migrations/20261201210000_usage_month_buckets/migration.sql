-- Monthly usage buckets: from now on the ledger adds every observation to its hour, day and month.
-- The months observed so far are the sums of their days (a sub-user's tenant, provider and account
-- as of its latest day in the month, as the ledger copies them at each observation).
INSERT INTO "usage_buckets" ("sub_user_id", "granularity", "period_start", "used_bytes", "tenant_id", "provider", "provider_account_id")
SELECT d."sub_user_id",
       'month',
       date_trunc('month', d."period_start" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       sum(d."used_bytes"),
       (array_agg(d."tenant_id" ORDER BY d."period_start" DESC))[1],
       (array_agg(d."provider" ORDER BY d."period_start" DESC))[1],
       (array_agg(d."provider_account_id" ORDER BY d."period_start" DESC))[1]
  FROM "usage_buckets" d
 WHERE d."granularity" = 'day'
 GROUP BY 1, 3
ON CONFLICT ("sub_user_id", "granularity", "period_start") DO NOTHING;
