import request from 'supertest';
import { admin } from '../access/access-helpers';

export interface JobBody {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  counts: Record<string, number>;
  results: AccountResult[];
  error: string | null;
  attempts: number;
  durationMs: number | null;
}

export interface AccountResult {
  accountId: string;
  name: string;
  ok: boolean;
  listed: number;
  adopted: number;
  matchedIntents: number;
  updated: number;
  drift: number;
  vanished: number;
  deletesConfirmed: number;
  expiredIntents: number;
  ambiguous: number;
  error?: { code: string; message: string };
}

export async function waitForJob(url: string, id: string, timeoutMs = 30_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await request(url).get(`/v1/jobs/${id}`).set(admin).expect(200)).body as JobBody;
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POST /v1/sync and wait for the job to end. */
export async function syncNow(url: string, body: { providerAccountId?: string } = {}): Promise<JobBody> {
  const accepted = await request(url).post('/v1/sync').set(admin).send(body).expect(202);
  expect(accepted.body).toEqual({ id: expect.any(String), type: 'sync', status: expect.any(String) });
  return waitForJob(url, accepted.body.id);
}

export async function accountIds(
  url: string,
): Promise<{ webshare: string; proxyhat: string; iproyal: string }> {
  const accounts = (await request(url).get('/v1/provider-accounts').set(admin).expect(200)).body as
    { id: string; name: string }[] | { items: { id: string; name: string }[] };
  const list = Array.isArray(accounts) ? accounts : accounts.items;
  return {
    webshare: list.find((account) => account.name === 'webshare-sandbox')!.id,
    proxyhat: list.find((account) => account.name === 'proxyhat-sandbox')!.id,
    iproyal: list.find((account) => account.name === 'iproyal-sandbox')!.id,
  };
}

export interface SubUserBody {
  id: string;
  name: string;
  status: string;
  provider: string;
  providerSubUserId: string | null;
  tenantId: string;
  isDefault: boolean;
  traffic: { limitBytes: number | null; usedBytes: number | null };
}

export async function subUsersNamed(
  url: string,
  name: string,
  query: Record<string, string> = {},
): Promise<SubUserBody[]> {
  const items: SubUserBody[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: SubUserBody[]; nextCursor: string | null } } = await request(url)
      .get('/v1/sub-users')
      .query({ q: name, limit: 500, ...query, ...(cursor ? { cursor } : {}) })
      .set(admin)
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items.filter((item) => item.name === name);
}

/** Sub-users whose name starts with `prefix` (seeded ones are numbered per account). */
export async function subUsersWithPrefix(
  url: string,
  prefix: string,
  query: Record<string, string> = {},
): Promise<SubUserBody[]> {
  const items: SubUserBody[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: SubUserBody[]; nextCursor: string | null } } = await request(url)
      .get('/v1/sub-users')
      .query({ q: prefix, limit: 500, ...query, ...(cursor ? { cursor } : {}) })
      .set(admin)
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items.filter((item) => item.name.startsWith(prefix));
}

export interface AuditBody {
  action: string;
  targetId: string | null;
  tenantId: string | null;
  outcome: string;
  changes: Record<string, unknown> | null;
}

export async function auditOf(url: string, query: Record<string, string>): Promise<AuditBody[]> {
  const response = await request(url)
    .get('/v1/audit-events')
    .query({ limit: 500, ...query })
    .set(admin)
    .expect(200);
  return response.body.items as AuditBody[];
}
