// The read scenario's own SQL besides the seeding: a runner over either database, the settle step
// after seeding, and what the database did while pages were timed (maintenance, writes).
'use strict';

const { Client } = require('pg');
const h = require('./harness');

/** A SQL runner over PostgreSQL (pg client) or an open PGlite: query(sql, params) -> rows. */
async function sqlRunner(database) {
  if (!database.url.startsWith('pglite:')) {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    return {
      query: async (sql, params) => (await client.query(sql, params)).rows,
      close: () => client.end(),
    };
  }
  const pglite = await h.openEmbedded(database.dir);
  return {
    query: async (sql, params) => (await pglite.query(sql, params)).rows,
    close: () => pglite.close(),
  };
}

/**
 * Brings the seeded table to the state a database that has held its rows for a while is in: a
 * bulk insert leaves every tuple without hint bits or visibility-map bits (the first read of each
 * page then writes it), an insert-triggered autovacuum of the whole table due within a minute, and
 * a gigabyte of WAL for the checkpointer to flush; done now, none of them runs while pages are timed.
 */
async function settle(db, embedded) {
  const started = Date.now();
  await db.query('VACUUM (ANALYZE) sub_user_mappings', []);
  if (!embedded) await db.query('CHECKPOINT', []);
  return Date.now() - started;
}

/** PostgreSQL's own background work so far: checkpoints, and autovacuum/analyze runs on the mappings. */
async function maintenanceCounters(database) {
  const db = await sqlRunner(database);
  try {
    const [bgwriter] = await db.query(
      'SELECT (checkpoints_timed + checkpoints_req)::int AS checkpoints FROM pg_stat_bgwriter',
      [],
    );
    const [table] = await db.query(
      `SELECT autovacuum_count::int AS autovacuums, autoanalyze_count::int AS autoanalyzes
         FROM pg_stat_user_tables WHERE relname = 'sub_user_mappings'`,
      [],
    );
    const [{ running }] = await db.query(
      `SELECT count(*)::int AS running FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
      [],
    );
    return { ...bgwriter, ...table, autovacuumWorkersRunning: running };
  } finally {
    await db.close();
  }
}

function maintenanceSince(before, after) {
  return {
    checkpoints: after.checkpoints - before.checkpoints,
    autovacuums: after.autovacuums - before.autovacuums,
    autoanalyzes: after.autoanalyzes - before.autoanalyzes,
    autovacuumWorkersRunningAtStart: before.autovacuumWorkersRunning,
    autovacuumWorkersRunningAtEnd: after.autovacuumWorkersRunning,
  };
}

/** Jobs run and audit rows written since `since`: a read-only measurement leaves none. */
async function writesSince(database, since) {
  const db = await sqlRunner(database);
  try {
    const jobs = await db.query(
      'SELECT type, status, created_at FROM jobs WHERE created_at >= $1 OR finished_at >= $1',
      [since.toISOString()],
    );
    const [{ count }] = await db.query(
      'SELECT count(*)::int AS count FROM audit_events WHERE created_at >= $1',
      [since.toISOString()],
    );
    return { jobs, auditRows: count };
  } finally {
    await db.close();
  }
}

module.exports = { sqlRunner, settle, maintenanceCounters, maintenanceSince, writesSince };
