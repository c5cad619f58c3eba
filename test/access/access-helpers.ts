import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { databaseClientOf } from '@app/persistence/testing';
import { RunningGateway, TEST_ADMIN_KEY } from '../support/gateway';

export const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

export function bearer(key: string): { Authorization: string } {
  return { Authorization: `Bearer ${key}` };
}

export function prismaOf(gateway: RunningGateway) {
  return databaseClientOf(gateway.app);
}

export async function createTenant(
  gateway: RunningGateway,
  name: string,
): Promise<{ id: string; name: string }> {
  const response = await request(gateway.url).post('/v1/tenants').set(admin).send({ name }).expect(201);
  return response.body;
}

/**
 * A new tenant (its name `prefix-<random>`), with `budget` if given, and a key of it that reads and
 * writes sub-users: `as` is that key's Authorization header.
 */
export async function tenantWithKey(
  gateway: RunningGateway,
  prefix: string,
  budget?: Record<string, unknown>,
): Promise<{ tenant: { id: string; name: string }; as: { Authorization: string }; keyId: string }> {
  const tenant = await createTenant(gateway, `${prefix}-${randomUUID().slice(0, 8)}`);
  if (budget)
    await request(gateway.url).patch(`/v1/tenants/${tenant.id}`).set(admin).send({ budget }).expect(200);
  const key = await createKey(gateway, {
    name: prefix,
    scopes: ['sub-users:read', 'sub-users:write'],
    tenantId: tenant.id,
  });
  return { tenant, as: bearer(key.key), keyId: key.id };
}

/** Resolves once the sub-user's change claim is taken (its change is in flight at the provider). */
export async function claimTaken(gateway: RunningGateway, id: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await prismaOf(gateway).subUserMapping.findUnique({
      where: { id },
      select: { changeClaimId: true },
    });
    if (row?.changeClaimId) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no change of sub-user ${id} was claimed within ${timeoutMs} ms`);
}

export async function createKey(
  gateway: RunningGateway,
  body: { name: string; scopes: string[]; tenantId?: string },
  as: { Authorization: string } = admin,
): Promise<{ id: string; key: string; tenantId: string; prefix: string }> {
  const response = await request(gateway.url).post('/v1/api-keys').set(as).send(body).expect(201);
  return response.body;
}

/**
 * Every row of a table as text, to search for a secret anywhere in it or compare it; columns in
 * `leaveOut` are left out (the row is then printed as JSON).
 */
export async function tableText(
  gateway: RunningGateway,
  table: string,
  leaveOut: string[] = [],
): Promise<string> {
  const rows = await prismaOf(gateway).$queryRawUnsafe<{ row: string }[]>(
    leaveOut.length === 0
      ? `SELECT t::text AS row FROM ${table} t`
      : `SELECT (to_jsonb(t) - $1::text[])::text AS row FROM ${table} t`,
    ...(leaveOut.length === 0 ? [] : [leaveOut]),
  );
  return rows.map((row) => row.row).join('\n');
}
