import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { isGatewayError } from '@app/domain';
import { type ProviderAccount } from '@app/persistence';
import { databaseClientOf } from '@app/persistence/testing';
import { type RunningSandbox, startSandbox } from '@app/sandbox';
import { AppModule } from '../../apps/gateway/src/app.module';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import type { AuthContext } from '../../apps/gateway/src/access/auth-context';
import type { RequestMeta } from '../../apps/gateway/src/sub-users/request-meta';
import type { CreateSubUserDto } from '../../apps/gateway/src/sub-users/sub-user.dto';
import { CreateSubUser } from '../../apps/gateway/src/sub-users/use-cases/create-sub-user/create-sub-user.use-case';
import { ChangeSubUser } from '../../apps/gateway/src/sub-users/use-cases/change-sub-user/change-sub-user.use-case';
import { DeleteSubUser } from '../../apps/gateway/src/sub-users/use-cases/delete-sub-user/delete-sub-user.use-case';
import { GetSubUser } from '../../apps/gateway/src/sub-users/use-cases/query-sub-users/get-sub-user.use-case';
import { SuspendSubUser } from '../../apps/gateway/src/sub-users/use-cases/suspend-sub-user/suspend-sub-user.use-case';
import { AccountReconciler } from '../../apps/gateway/src/reconciliation/account-reconciler';
import { TEST_ADMIN_KEY, TEST_ENCRYPTION_KEYS, TEST_HOST_ALLOWLIST } from '../support/gateway';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { FAST_REGISTRY } from '../sub-users/sub-users-helpers';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/**
 * The sub-user use cases as services, without the gateway's HTTP layer: the application context
 * on a real database (embedded, or PostgreSQL with DATABASE_URL), the providers being the sandbox.
 */
describe('sub-user use cases (application context, real database, sandbox providers)', () => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let app: INestApplicationContext;
  let db: ReturnType<typeof databaseClientOf>;
  let accounts: Record<'webshare' | 'proxyhat' | 'iproyal', ProviderAccount>;

  const auth = (tenantId: string): AuthContext => ({
    keyId: randomUUID(),
    tenantId,
    scopes: ['sub-users:read', 'sub-users:write', 'sub-users:credentials'],
    isAdmin: false,
  });
  const meta = (tenantId = 'default'): RequestMeta => ({ auth: auth(tenantId), requestId: randomUUID() });
  const failureOf = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (caught: unknown) => caught,
    );
    if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
    return error;
  };
  const createOn = (
    provider: keyof typeof accounts,
    fields: Partial<CreateSubUserDto> = {},
    tenantId?: string,
  ) =>
    app.get(CreateSubUser).execute({
      dto: { providerAccountId: accounts[provider].id, name: `uc-${randomUUID().slice(0, 8)}`, ...fields },
      meta: meta(tenantId),
    });
  const recordsOf = async (subUserId: string) => ({
    audit: await db.auditEvent.findMany({ where: { targetId: subUserId }, orderBy: { createdAt: 'asc' } }),
    events: await db.outboxEvent.findMany({ where: { subjectId: subUserId }, orderBy: { seq: 'asc' } }),
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', rateLimits: false });
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      GATEWAY_ADMIN_KEY: TEST_ADMIN_KEY,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      LOG_LEVEL: 'silent',
      PROVIDER_HOST_ALLOWLIST: TEST_HOST_ALLOWLIST,
      SANDBOX_URL: sandbox.url,
      UPSTREAM_RATE_LIMIT: 'false',
      UPSTREAM_TIMEOUT_MS: '800',
      USAGE_SAMPLE_INTERVAL_SECONDS: '0',
    });
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config, FAST_REGISTRY), {
      logger: false,
    });
    await app.init();
    db = databaseClientOf(app);
    await db.tenant.create({ data: { id: 'acme', name: 'acme' } });
    const byName = async (name: string) => db.providerAccount.findFirstOrThrow({ where: { name } });
    accounts = {
      webshare: await byName('webshare-sandbox'),
      proxyhat: await byName('proxyhat-sandbox'),
      iproyal: await byName('iproyal-sandbox'),
    };
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await database?.drop();
  });

  afterEach(() => sandbox.control.clearFaults());

  it('creates a sub-user active with exactly one audit row and one event, then reads it back', async () => {
    const { subUser } = await createOn('proxyhat', { trafficLimit: '1GB' }, 'acme');
    expect(subUser).toMatchObject({ status: 'active', tenantId: 'acme', traffic: { limitBytes: GB } });
    expect(subUser.proxyPassword).toMatch(/^\S{20}$/);

    const { audit, events } = await recordsOf(subUser.id);
    expect(audit.map((row) => [row.action, row.outcome])).toEqual([['sub-user.created', 'ok']]);
    expect(events.map((row) => row.type)).toEqual(['sub-user.created']);
    // The password is shown once, never kept in what the gateway records.
    expect(JSON.stringify([audit, events.map((row) => ({ ...row, seq: String(row.seq) }))])).not.toContain(
      subUser.proxyPassword,
    );

    const read = await app.get(GetSubUser).execute(subUser.id, auth('acme'), false);
    expect(read.subUser).toMatchObject({ id: subUser.id, name: subUser.name });
    // Another tenant's key does not see it.
    expect((await failureOf(app.get(GetSubUser).execute(subUser.id, auth('default'), false))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses a change at a stale version with 412 before calling the provider', async () => {
    const { subUser, etag } = await createOn('webshare');
    const change = app.get(ChangeSubUser);
    const first = await change.execute({
      id: subUser.id,
      dto: { name: 'renamed' },
      ifMatch: etag,
      meta: meta(),
    });
    expect(first.subUser.name).toBe('renamed');
    expect(first.etag).not.toBe(etag);

    const updatesBefore = sandbox.control.calls()['webshare.update'] ?? 0;
    const stale = await failureOf(
      change.execute({ id: subUser.id, dto: { name: 'again' }, ifMatch: etag, meta: meta() }),
    );
    expect(stale.status).toBe(412);
    expect(sandbox.control.calls()['webshare.update'] ?? 0).toBe(updatesBefore);
    const { audit } = await recordsOf(subUser.id);
    expect(audit.filter((row) => row.action === 'sub-user.updated')).toHaveLength(1);
  });

  it('keeps a create whose answer was lost open, and the reconciler completes it for the same tenant', async () => {
    sandbox.control.addFault({ provider: 'proxyhat', operation: 'create', mode: 'timeout-after', times: 1 });
    const createsBefore = sandbox.control.calls()['proxyhat.create'] ?? 0;
    const name = `lost-${randomUUID().slice(0, 8)}`;
    const lost = await failureOf(createOn('proxyhat', { name }, 'acme'));
    expect(lost.code).toBe('PROVIDER_TIMEOUT');
    // Never retried: the first call may have created it.
    expect((sandbox.control.calls()['proxyhat.create'] ?? 0) - createsBefore).toBe(1);
    const open = await db.subUserMapping.findFirstOrThrow({ where: { name } });
    expect(open).toMatchObject({ status: 'provisioning', providerSubUserId: null, tenantId: 'acme' });

    const result = await app
      .get(AccountReconciler)
      .reconcile(accounts.proxyhat, { keyId: null, requestId: null });
    expect(result.matchedIntents).toBe(1);
    const completed = await db.subUserMapping.findUniqueOrThrow({ where: { id: open.id } });
    expect(completed).toMatchObject({ status: 'active', tenantId: 'acme' });
    const atProvider = sandbox.control.state('proxyhat').filter((entry) => entry.name === name);
    expect(atProvider.map((entry) => entry.uuid)).toEqual([completed.providerSubUserId]);
    const { events } = await recordsOf(open.id);
    expect(events.map((row) => row.type)).toEqual(['sub-user.created']);
  });

  it('suspends by lowering the provider-side limit to what was used, and resumes to the limit before', async () => {
    const { subUser } = await createOn('webshare', { trafficLimit: '1GB' });
    sandbox.control.addTraffic({
      provider: 'webshare',
      subUserId: subUser.providerSubUserId!,
      bytes: 10 * MB,
    });
    const suspend = app.get(SuspendSubUser);
    const suspended = await suspend.suspend(subUser.id, meta());
    expect(suspended.subUser).toMatchObject({
      status: 'suspended',
      suspension: { mode: 'emulated', resumeLimitBytes: GB },
      traffic: { limitBytes: 10 * MB },
    });
    const resumed = await suspend.resume(subUser.id, meta());
    expect(resumed.subUser).toMatchObject({
      status: 'active',
      suspension: null,
      traffic: { limitBytes: GB },
    });
    const fresh = await app.get(GetSubUser).execute(subUser.id, auth('default'), true);
    expect(fresh.subUser.traffic.limitBytes).toBe(GB);
    const { events } = await recordsOf(subUser.id);
    expect(events.map((row) => row.type)).toEqual([
      'sub-user.created',
      'sub-user.suspended',
      'sub-user.resumed',
    ]);
  });

  it('deletes at the provider and in the ledger; the deleted sub-user cannot be changed', async () => {
    const { subUser } = await createOn('iproyal', { trafficLimit: '1GB' });
    const deleted = await app.get(DeleteSubUser).execute({ id: subUser.id, meta: meta() });
    expect(deleted.subUser.status).toBe('deleted');
    expect(sandbox.control.state('iproyal').some((entry) => entry.hash === subUser.providerSubUserId)).toBe(
      false,
    );
    const after = await failureOf(
      app.get(ChangeSubUser).execute({ id: subUser.id, dto: { name: 'ghost' }, meta: meta() }),
    );
    // Nothing leaves deleted: the record stays readable as history, but no change applies.
    expect([after.status, after.code]).toEqual([409, 'CONFLICT']);
    const { events } = await recordsOf(subUser.id);
    expect(events.map((row) => row.type)).toEqual(['sub-user.created', 'sub-user.deleted']);
  });
});
