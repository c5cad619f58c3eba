import request from 'supertest';
import { admin } from '../access/access-helpers';
import { RunningGateway } from '../support/gateway';

/**
 * Webhook settings for tests: only 127.0.0.1 may be a target (so 127.0.0.2 and `localhost` are
 * refused like any non-public host), a fast poll, and retries after 300 ms instead of 5 s.
 */
export const WEBHOOK_ENV: Record<string, string> = {
  WEBHOOK_HOST_ALLOWLIST: '127.0.0.1',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms',
};

export interface RegisteredEndpoint {
  id: string;
  url: string;
  secret: string;
  events: string[] | null;
  tenantId: string | null;
}

export async function registerEndpoint(
  gateway: RunningGateway,
  body: Record<string, unknown>,
  as: { Authorization: string } = admin,
): Promise<RegisteredEndpoint> {
  const response = await request(gateway.url).post('/v1/webhook-endpoints').set(as).send(body);
  if (response.status !== 201) {
    throw new Error(
      `registering ${JSON.stringify(body)} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

export async function deliveriesOf(
  gateway: RunningGateway,
  endpointId: string,
  as: { Authorization: string } = admin,
): Promise<Record<string, any>[]> {
  const response = await request(gateway.url)
    .get(`/v1/webhook-endpoints/${endpointId}/deliveries`)
    .set(as)
    .expect(200);
  return response.body.items;
}

/** Removes every endpoint, so the next test's events go only where it says. */
export async function removeAllEndpoints(gateway: RunningGateway): Promise<void> {
  const response = await request(gateway.url).get('/v1/webhook-endpoints?limit=500').set(admin).expect(200);
  for (const endpoint of response.body.items as { id: string }[]) {
    await request(gateway.url).delete(`/v1/webhook-endpoints/${endpoint.id}`).set(admin).expect(200);
  }
}
