import request from 'supertest';
import { RunningGateway } from '../support/gateway';
import { admin } from '../access/access-helpers';

export type Headers = { Authorization: string };

export async function accountIds(
  gateway: RunningGateway,
): Promise<Record<'webshare' | 'proxyhat' | 'iproyal', string>> {
  const response = await request(gateway.url).get('/v1/provider-accounts').set(admin).expect(200);
  const byName = Object.fromEntries(
    response.body.items.map((item: { name: string; id: string }) => [item.name, item.id]),
  );
  return {
    webshare: byName['webshare-sandbox'],
    proxyhat: byName['proxyhat-sandbox'],
    iproyal: byName['iproyal-sandbox'],
  };
}

export async function createSubUser(
  gateway: RunningGateway,
  body: Record<string, unknown>,
  as: Headers = admin,
): Promise<Record<string, any>> {
  const response = await request(gateway.url).post('/v1/sub-users').set(as).send(body);
  if (response.status !== 201)
    throw new Error(`create failed ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Polls a job until it has finished. */
export async function waitForJob(
  gateway: RunningGateway,
  id: string,
  as: Headers = admin,
): Promise<Record<string, any>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await request(gateway.url).get(`/v1/jobs/${id}`).set(as).expect(200);
    if (response.body.status === 'succeeded' || response.body.status === 'failed') return response.body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${response.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Driver settings that keep fault tests fast: short waits, a circuit that stays closed. */
export const FAST_REGISTRY = {
  driverOptions: {
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, retryAfterCapMs: 100, maxTotalWaitMs: 300 },
    circuit: { threshold: 1000, halfOpenAfterMs: 1000 },
  },
};
