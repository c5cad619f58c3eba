import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, sandboxOf } from '../support/gateway';

export const MB = 1024 ** 2;
export const GB = 1024 ** 3;
export type Provider = 'webshare' | 'proxyhat' | 'iproyal';

/** Traffic used at the sandbox provider by a sub-user (its provider id). */
export function addTraffic(gateway: RunningGateway, provider: Provider, subUserId: string, bytes: number) {
  sandboxOf(gateway).control.addTraffic({
    provider,
    subUserId: provider === 'webshare' ? Number(subUserId) : subUserId,
    bytes,
  });
}

/** A sub-user with a 1 GB limit unless `body` says otherwise. */
export async function createLimited(
  gateway: RunningGateway,
  provider: Provider,
  body: Record<string, unknown> = {},
  as: { Authorization: string } = admin,
) {
  const response = await request(gateway.url)
    .post('/v1/sub-users')
    .set(as)
    .send({ provider, name: `usage-${provider}-${randomUUID().slice(0, 6)}`, trafficLimit: '1GB', ...body })
    .expect(201);
  return response.body;
}

/** The events recorded about a subject, oldest first. */
export async function eventsOf(gateway: RunningGateway, subjectId: string) {
  return (
    await prismaOf(gateway).outboxEvent.findMany({ where: { subjectId }, orderBy: { seq: 'asc' } })
  ).map((event) => ({ type: event.type, changes: event.changes as Record<string, unknown> | null }));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
