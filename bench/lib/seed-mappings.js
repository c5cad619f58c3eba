// Seeds sub_user_mappings for the read benchmarks, generated inside the database (PostgreSQL or
// PGlite) so that a million rows take a minute, not ten: names `c-<customer>-<word>-<n>`, caller
// metadata {customerId, plan, region}, statuses 85 % active / 8 % suspended / 3 % deleting /
// 4 % deleted, createdAt spread over 180 days (newest first follows n, with ties now and then),
// and a realistic snapshot per provider. Deterministic (hashint4 of the row number), so every run
// and both databases hold the same data.
'use strict';

const WORDS = ['main', 'backup', 'scraper', 'seo', 'ads', 'retail', 'social', 'travel'];
const PLANS = ['gold', 'silver', 'bronze', 'trial'];
const REGIONS = ['eu', 'us', 'apac'];
const CUSTOMERS = 5000;

/** One batch [$start, $end) of rows; tenants, accounts and providers as arrays; $6 = now (ms). */
const INSERT = `
INSERT INTO sub_user_mappings (id, tenant_id, provider_account_id, provider, provider_sub_user_id,
       lifecycle, status, name, gateway_notes, metadata, snapshot, created_at, updated_at, synced_at, version)
SELECT md5('bench-row-' || n)::uuid, ($3::text[])[1 + h.t % cardinality($3::text[])],
       ($4::uuid[])[1 + n % cardinality($4::uuid[])], p.provider, p.psid,
       CASE WHEN h.s >= 96 THEN 'deleted' ELSE 'active' END,
       CASE WHEN h.s < 85 THEN 'active' WHEN h.s < 93 THEN 'suspended' WHEN h.s < 96 THEN 'deleting' ELSE 'deleted' END,
       p.name,
       CASE WHEN p.provider = 'webshare' AND h.u % 10 < 3 THEN 'kept by the gateway' END,
       jsonb_build_object('customerId', p.customer, 'plan', (ARRAY['${PLANS.join("','")}'])[1 + h.u % 4],
                          'region', (ARRAY['${REGIONS.join("','")}'])[1 + n % 3]),
       CASE WHEN p.provider = 'webshare' THEN jsonb_build_object(
              'provider', 'webshare', 'providerSubUserId', p.psid, 'name', p.name, 'notes', NULL,
              'status', p.status, 'providerStatus', CASE WHEN p.status = 'suspended' THEN 'suspended' ELSE 'active' END,
              'traffic', jsonb_build_object('limitBytes', CASE WHEN h.u % 10 < 3 THEN NULL ELSE 10737418240 END,
                         'usedBytes', h.used, 'periodStart', NULL, 'periodEnd', NULL),
              'maxConcurrency', 100,
              'countries', CASE WHEN h.u % 2 = 0 THEN '{"US": 10, "DE": 5}'::jsonb END,
              'groupId', NULL, 'proxyUsername', p.name || '-rotate',
              'stats', jsonb_build_object('requests', h.u * 37 % 1000000, 'bandwidth', h.used),
              'isDefault', false, 'createdAt', p.created, 'updatedAt', p.created)
            ELSE jsonb_build_object(
              'provider', p.provider, 'providerSubUserId', p.psid, 'name', p.name,
              'notes', CASE WHEN h.u % 10 < 3 THEN 'reseller order' END, 'status', p.status,
              'providerStatus', CASE WHEN p.status = 'suspended' THEN 'Suspended' WHEN p.status = 'deleting' THEN 'Deleting' ELSE 'Active' END,
              'traffic', jsonb_build_object('limitBytes', CASE WHEN h.u % 2 = 0 THEN NULL ELSE 5368709120 END,
                         'usedBytes', h.used, 'periodStart', NULL, 'periodEnd', NULL),
              'maxConcurrency', NULL, 'countries', NULL,
              'groupId', CASE WHEN h.u % 5 = 0 THEN md5('group-' || n)::uuid::text END,
              'proxyUsername', 'user_' || left(p.psid, 10), 'stats', NULL, 'isDefault', false,
              'createdAt', p.created, 'updatedAt', NULL)
       END,
       p.created_at, p.created_at + make_interval(secs => h.u % 1000), to_timestamp(($6::bigint - h.u % 3600000) / 1000.0), 1
  FROM generate_series($1::int, $2::int - 1) AS n,
       LATERAL (SELECT abs(hashint4(n * 7 + 1)::bigint) AS t, abs(hashint4(n * 13 + 2)::bigint) % 100 AS s,
                       abs(hashint4(n * 17 + 3)::bigint) AS u, abs(hashint4(n * 19 + 4)::bigint) % 53687091200::bigint AS used,
                       abs(hashint4(n * 23 + 5)::bigint) % ${CUSTOMERS} AS c) AS h,
       LATERAL (SELECT ($5::text[])[1 + n % cardinality($5::text[])] AS provider,
                       'c-' || h.c AS customer,
                       'c-' || h.c || '-' || (ARRAY['${WORDS.join("','")}'])[1 + n % 8] || '-' || n AS name,
                       CASE WHEN h.s < 85 THEN 'active' WHEN h.s < 93 THEN 'suspended' WHEN h.s < 96 THEN 'deleting' ELSE 'deleted' END AS status,
                       to_timestamp(($6::bigint - (n::float8 / $7::int) * 15552000000 - abs(hashint4(n * 29 + 6)::bigint) % 5000) / 1000.0) AS created_at) AS q,
       LATERAL (SELECT q.provider, q.customer, q.name, q.status, q.created_at,
                       to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created,
                       CASE WHEN q.provider = 'webshare' THEN (1000000 + n)::text ELSE md5('psid-' || n)::uuid::text END AS psid) AS p`;

/**
 * Inserts `rows` mappings through `query(sql, params)` (a pg client or PGlite), `batch` at a time.
 * accounts: [{id, provider}] (row n goes to accounts[n % accounts.length]); tenants: ids.
 */
async function seedMappings(query, { tenants, accounts, rows, batch = 50_000, now = Date.now(), onBatch }) {
  const started = Date.now();
  for (let start = 0; start < rows; start += batch) {
    const end = Math.min(rows, start + batch);
    await query(INSERT, [
      start,
      end,
      tenants,
      accounts.map((account) => account.id),
      accounts.map((account) => account.provider),
      String(now),
      rows,
    ]);
    if (onBatch) onBatch(end);
  }
  await query('ANALYZE sub_user_mappings', []);
  return Date.now() - started;
}

module.exports = { seedMappings, WORDS, PLANS, REGIONS };
