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
