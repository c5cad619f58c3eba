// The twelve list shapes the read benchmark times, and the SQL the repository runs for each
// (libs/persistence, SubUserMappingRepository.list): for deep cursors and EXPLAIN ANALYZE.
'use strict';

/** The shapes over the registered accounts and tenants: auth 'tenant' reads as tenants[0]'s key. */
function shapesOf(accountList, tenants) {
  return [
    { name: 'tenant, no filter', auth: 'tenant', query: {} },
    { name: 'tenant, status=suspended', auth: 'tenant', query: { status: 'suspended' } },
    { name: 'tenant, provider=webshare', auth: 'tenant', query: { provider: 'webshare' } },
    { name: 'tenant, q=scraper (name contains)', auth: 'tenant', query: { q: 'scraper' } },
    { name: 'tenant, metadata.plan=gold', auth: 'tenant', query: { 'metadata.plan': 'gold' } },
    { name: 'tenant, metadata.customerId=c-42', auth: 'tenant', query: { 'metadata.customerId': 'c-42' } },
    { name: 'admin, all tenants, no filter', auth: 'admin', query: {} },
    {
      name: 'admin, provider=proxyhat, limit=500',
      auth: 'admin',
      query: { provider: 'proxyhat', limit: 500 },
    },
    {
      name: 'admin, providerAccountId + status=active',
      auth: 'admin',
      query: { providerAccountId: accountList[0].id, status: 'active' },
    },
    { name: 'admin, status=deleted', auth: 'admin', query: { status: 'deleted' } },
    {
      name: 'admin, tenantId + metadata.region=eu',
      auth: 'admin',
      query: { tenantId: tenants[1], 'metadata.region': 'eu' },
    },
    { name: 'admin, q=c-123 (name contains)', auth: 'admin', query: { q: 'c-123' } },
  ];
}

/** The SQL the repository's list runs for a shape (libs/persistence, SubUserMappingRepository.list). */
function equivalentSql(shape, ctx, offset = null, after = null) {
  const where = [];
  const params = [];
  const add = (sql, value) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  const q = shape.query;
  const tenantId = shape.auth === 'tenant' ? ctx.tenants[0] : q.tenantId;
  if (tenantId) add('tenant_id = ?', tenantId);
  if (q.provider) add('provider = ?', q.provider);
  if (q.providerAccountId) add('provider_account_id = ?::uuid', q.providerAccountId);
  if (q.status) add('status = ?', q.status);
  else where.push("status <> 'deleted'");
  if (q.q) add('name ILIKE ?', `%${q.q}%`);
  const metadata = Object.fromEntries(
    Object.entries(q)
      .filter(([k]) => k.startsWith('metadata.'))
      .map(([k, v]) => [k.slice(9), v]),
  );
  if (Object.keys(metadata).length > 0) add('metadata @> ?::jsonb', JSON.stringify(metadata));
  if (after) {
    params.push(after.c, after.i);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const order = `FROM sub_user_mappings WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC`;
  if (offset !== null) {
    params.push(offset - 1);
    return { sql: `SELECT created_at, id ${order} OFFSET $${params.length} LIMIT 1`, params };
  }
  params.push(Number(q.limit ?? 50) + 1);
  return { sql: `SELECT * ${order} LIMIT $${params.length}`, params };
}

module.exports = { equivalentSql, shapesOf };
