import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { admin, prismaOf } from '../access/access-helpers';
import { RunningGateway, sandboxOf } from '../support/gateway';

export type ProviderName = 'webshare' | 'proxyhat' | 'iproyal';
export const PROVIDERS: readonly ProviderName[] = ['webshare', 'proxyhat', 'iproyal'];

/**
 * What a test names a sub-user by at its provider: the name, or on IPRoyal (which keeps no name,
 * the gateway does) the proxy username, which IPRoyal wants in letters and digits only.
 */
export function heldNameOf(provider: ProviderName, name: string): string {
  return provider === 'iproyal' ? name.replace(/[^A-Za-z0-9]/g, '') : name;
}

/** A create body for `provider` that its sandbox holds under `heldNameOf(provider, name)`. */
export function createBodyFor(provider: ProviderName, name: string): Record<string, unknown> {
  // IPRoyal's traffic is a prepaid allocation: a create must say how much.
  return provider === 'iproyal'
    ? { provider, name, proxyUsername: heldNameOf(provider, name), trafficLimit: '1GB' }
    : { provider, name };
}

/** What the provider holds for one sub-user, in the gateway's terms. */
export interface ProviderEntry {
  id: string;
  /** The name (IPRoyal: the proxy username). */
  name: string | null;
  /** ProxyHat deletes asynchronously: such a sub-user still exists, as `deleting`. */
  deleting: boolean;
}

export function providerEntries(gateway: RunningGateway, provider: ProviderName): ProviderEntry[] {
  const { control } = sandboxOf(gateway);
  if (provider === 'webshare') {
    return control
      .state('webshare')
      .map((entry) => ({ id: String(entry.id), name: entry.label, deleting: false }));
  }
  if (provider === 'iproyal') {
    return control
      .state('iproyal')
      .map((entry) => ({ id: entry.hash, name: entry.username, deleting: false }));
  }
  return control.state('proxyhat').map((entry) => ({
    id: entry.uuid,
    name: entry.name ?? null,
    deleting: entry.lifecycle_status === 'Deleting',
  }));
}

export interface MappingRow {
  id: string;
  tenantId: string;
  provider: string;
  providerAccountId: string;
  providerSubUserId: string | null;
  lifecycle: string;
  status: string;
  name: string | null;
  /** What the provider knows it by: the name, or IPRoyal's proxy username (snapshot or intent). */
  heldName: string | null;
}

export async function mappingRows(gateway: RunningGateway): Promise<MappingRow[]> {
  const rows = await prismaOf(gateway).subUserMapping.findMany({
    select: {
      id: true,
      tenantId: true,
      provider: true,
      providerAccountId: true,
      providerSubUserId: true,
      lifecycle: true,
      status: true,
      name: true,
      snapshot: true,
      intent: true,
    },
  });
  return rows.map(({ snapshot, intent, ...row }) => {
    const username =
      (snapshot as { proxyUsername?: string | null } | null)?.proxyUsername ??
      (intent as { echo?: { proxyUsername?: string | null } } | null)?.echo?.proxyUsername ??
      null;
    return { ...row, heldName: row.provider === 'iproyal' ? username : row.name };
  });
}

/** A unique request id: the audit events of one request are found by it. */
export function requestId(label = 'req'): string {
  return `${label}-${randomUUID()}`;
}

export async function auditByRequest(
  gateway: RunningGateway,
  id: string,
): Promise<{ action: string; outcome: string; errorCode: string | null; targetId: string | null }[]> {
  return prismaOf(gateway).auditEvent.findMany({
    where: { requestId: id },
    select: { action: true, outcome: true, errorCode: true, targetId: true },
  });
}

/** POST /v1/sync and wait for the job; the sync must succeed for every account. */
export async function syncAll(gateway: RunningGateway): Promise<Record<string, unknown>> {
  const accepted = await request(gateway.url).post('/v1/sync').set(admin).send({}).expect(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await request(gateway.url).get(`/v1/jobs/${accepted.body.id}`).set(admin).expect(200)).body;
    if (job.status === 'succeeded' || job.status === 'failed') {
      if (job.status !== 'succeeded' || (job.counts?.accountsFailed ?? 0) !== 0) {
        throw new Error(`sync ${job.id} did not cover every account: ${JSON.stringify(job)}`);
      }
      return job;
    }
    if (Date.now() > deadline) throw new Error(`sync ${job.id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface InvariantReport {
  providerSubUsers: number;
  mappings: number;
  openIntents: number;
  checks: number;
}

/**
 * The invariants after a sync, for every provider account of the sandbox:
 * - every sub-user the provider holds is in the mapping exactly once (not deleted, the same name,
 *   `deleting` exactly when the provider is still deleting it);
 * - every live mapping points at a sub-user the provider holds (vanished ones are marked deleted);
 * - no provider sub-user id is mapped twice, no name the test created exists twice at the provider
 *   (a create was never sent twice), no open intent names a sub-user the provider holds (the sync
 *   would have completed it).
 * Throws with every violation listed; returns how many checks passed.
 */
export async function assertInvariants(
  gateway: RunningGateway,
  options: { uniqueNames?: (name: string) => boolean } = {},
): Promise<InvariantReport> {
  const rows = await mappingRows(gateway);
  const violations: string[] = [];
  let checks = 0;
  let providerSubUsers = 0;
  const check = (ok: boolean, message: string) => {
    checks += 1;
    if (!ok) violations.push(message);
  };

  const byProviderId = new Map<string, MappingRow[]>();
  for (const row of rows) {
    if (row.providerSubUserId === null) continue;
    const key = `${row.providerAccountId}/${row.providerSubUserId}`;
    byProviderId.set(key, [...(byProviderId.get(key) ?? []), row]);
  }
  for (const [key, group] of byProviderId)
    check(group.length === 1, `provider sub-user ${key} mapped ${group.length} times`);

  const accounts = await prismaOf(gateway).providerAccount.findMany({
    where: { name: { in: PROVIDERS.map((provider) => `${provider}-sandbox`) } },
  });
  for (const provider of PROVIDERS) {
    const account = accounts.find((item) => item.provider === provider);
    if (!account) throw new Error(`no ${provider} sandbox account`);
    const entries = providerEntries(gateway, provider);
    providerSubUsers += entries.length;
    const atProvider = new Map(entries.map((entry) => [entry.id, entry]));
    const mine = rows.filter((row) => row.providerAccountId === account.id);

    for (const entry of entries) {
      const mapped = mine.filter((row) => row.providerSubUserId === entry.id && row.lifecycle !== 'deleted');
      check(
        mapped.length === 1,
        `${provider} sub-user ${entry.id} (${entry.name}) has ${mapped.length} live mappings`,
      );
      const row = mapped[0];
      if (!row) continue;
      check(
        row.heldName === entry.name,
        `${provider} ${entry.id}: mapping holds ${row.heldName} ≠ provider name ${entry.name}`,
      );
      check(
        (row.status === 'deleting') === entry.deleting,
        `${provider} ${entry.id}: mapping status ${row.status} but the provider ${entry.deleting ? 'is deleting it' : 'holds it'}`,
      );
    }
    for (const row of mine) {
      if (row.lifecycle === 'intent') {
        check(row.providerSubUserId === null, `intent ${row.id} has a provider id`);
        check(
          !entries.some((entry) => entry.name === row.heldName),
          `open intent ${row.id} (${row.heldName}) although the provider holds a sub-user of that name`,
        );
        continue;
      }
      if (row.lifecycle === 'deleted' || row.status === 'deleted') {
        check(
          row.lifecycle === 'deleted' && row.status === 'deleted',
          `row ${row.id} half deleted: ${row.lifecycle}/${row.status}`,
        );
        const entry = row.providerSubUserId ? atProvider.get(row.providerSubUserId) : undefined;
        check(
          entry === undefined,
          `row ${row.id} is deleted but the provider still holds ${row.providerSubUserId}`,
        );
        continue;
      }
      // A live row: the provider holds it (a row `deleting` may have finished at the provider).
      const entry = row.providerSubUserId ? atProvider.get(row.providerSubUserId) : undefined;
      check(
        entry !== undefined || row.status === 'deleting',
        `live mapping ${row.id} (${row.name}, ${row.status}) points at ${row.providerSubUserId}, which the provider no longer holds`,
      );
    }
    if (options.uniqueNames) {
      const counts = new Map<string, number>();
      for (const entry of entries)
        if (entry.name !== null && options.uniqueNames(entry.name))
          counts.set(entry.name, (counts.get(entry.name) ?? 0) + 1);
      for (const [name, count] of counts)
        check(count === 1, `${provider} holds ${count} sub-users named ${name}: a create was doubled`);
    }
  }
  if (violations.length > 0) throw new Error(`invariants violated:\n${violations.join('\n')}`);
  return {
    providerSubUsers,
    mappings: rows.length,
    openIntents: rows.filter((row) => row.lifecycle === 'intent').length,
    checks,
  };
}

/** Asserts a problem+json answer with this status and code. */
export function expectProblem(response: request.Response, status: number, code: string): void {
  const summary = `${response.status} ${JSON.stringify(response.body)}`;
  if (response.status !== status || response.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${summary}`);
  }
  if (!String(response.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${response.headers['content-type']}`);
  }
}
