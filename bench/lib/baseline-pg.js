// The least a "read one sub-user from the database" service costs: Fastify and pg, nothing else.
// GET /v1/sub-users/:id checks the Bearer key the way the gateway does (SHA-256 of the key looked
// up among the api_keys rows, read once at start like the gateway's key cache: not revoked, a read
// scope, the tenant's own rows unless admin), reads the row by primary key and answers it as JSON.
// Started by the reads scenario as its own process, pinned to the gateway's core.
'use strict';

const crypto = require('node:crypto');
const fastify = require('fastify');
const { Pool } = require('pg');

const COLUMNS = `id, tenant_id AS "tenantId", provider_account_id AS "providerAccountId", provider,
  provider_sub_user_id AS "providerSubUserId", lifecycle, status, name, gateway_notes AS "gatewayNotes",
  metadata, snapshot, version, created_at AS "createdAt", updated_at AS "updatedAt", synced_at AS "syncedAt"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main() {
  const port = Number(process.env.BASELINE_PORT ?? 4091);
  const pool = new Pool({ connectionString: process.env.BASELINE_DATABASE_URL, max: 10 });
  const keys = new Map();
  for (const row of (await pool.query('SELECT key_hash, tenant_id, scopes, revoked_at FROM api_keys')).rows) {
    if (!row.revoked_at) keys.set(row.key_hash, { tenantId: row.tenant_id, scopes: row.scopes });
  }
  const app = fastify({ logger: false });
  app.get('/__baseline/health', async () => ({ ok: true }));
  app.get('/v1/sub-users/:id', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const key = header.startsWith('Bearer ')
      ? keys.get(crypto.createHash('sha256').update(header.slice(7)).digest('hex'))
      : undefined;
    if (!key) return reply.code(401).send({ code: 'UNAUTHENTICATED' });
    const admin = key.scopes.includes('admin');
    if (!admin && !key.scopes.includes('sub-users:read')) return reply.code(403).send({ code: 'FORBIDDEN' });
    const { id } = request.params;
    if (!UUID.test(id)) return reply.code(404).send({ code: 'NOT_FOUND' });
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM sub_user_mappings WHERE id = $1`, [id]);
    if (!rows[0] || (!admin && rows[0].tenantId !== key.tenantId))
      return reply.code(404).send({ code: 'NOT_FOUND' });
    return rows[0];
  });
  await app.listen({ port, host: '127.0.0.1' });
  const stop = () =>
    app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`baseline failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
