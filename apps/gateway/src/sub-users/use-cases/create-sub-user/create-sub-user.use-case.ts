import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  type CreateSubUserInput,
  GatewayError,
  type ProviderName,
  ProviderError,
  canonicalJson,
} from '@app/domain';
import {
  type IdempotentAnswer,
  Ledger,
  type OpenIntentCommand,
  SubUserMappingRepository,
  type SubUserRecord,
  TenantRepository,
  evidenceOf,
} from '@app/persistence';
import { ProviderRegistry } from '@app/providers';
import type { AuthContext } from '../../../access/auth-context';
import { IDEMPOTENCY_TTL_MS } from '../../../idempotency/idempotency.service';
import { AccountReconciler } from '../../../reconciliation/account-reconciler';
import { ResolvedAccount } from '../../../provider-accounts/provider-accounts.service';
import { AccountSelection } from './account-selection';
import { Placement } from './placement';
import { createInputFor } from '../../provider-input';
import { actorOf, certainlyNotProcessed, failureOf } from '../../request-meta';
import type { CreateSubUserDto, CreatedSubUserDto, PlacementDecisionDto } from '../../sub-user.dto';
import { etagOf, toSubUserDto } from '../../sub-user.view';
import type { CreateSubUserCommand } from './create-sub-user.command';
import { generateProxyPassword, generateProxyUsername } from './proxy-secrets';

type PlacementDecision = PlacementDecisionDto;

/** How long a create may stay unconfirmed before the sync gives up matching it. */
export const INTENT_WINDOW_MS = 15 * 60_000;

/**
 * Failures after which a placed create may try the next account: nothing was created and the
 * account, not the request, is the problem.
 */
export function refusedBeforeCreating(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.reachedProvider === 'no' || error.code === 'PROVIDER_RATE_LIMITED') return true;
  return error.code === 'PROVIDER_REJECTED' && error.extras?.reason === 'insufficient-balance';
}

export interface CreatedSubUser {
  subUser: CreatedSubUserDto;
  etag: string;
}

/**
 * Creates a sub-user without losing or doubling it: the intent (with the evidence that will let
 * the sync recognise the sub-user if the answer is lost) is recorded before the provider call,
 * and completed, or failed, after it. No transaction is held across the call.
 */
@Injectable()
export class CreateSubUser {
  constructor(
    private readonly ledger: Ledger,
    private readonly mappings: SubUserMappingRepository,
    private readonly tenants: TenantRepository,
    private readonly registry: ProviderRegistry,
    private readonly accounts: AccountSelection,
    private readonly placement: Placement,
    private readonly reconciler: AccountReconciler,
  ) {}

  async execute({ dto, meta }: CreateSubUserCommand): Promise<CreatedSubUser> {
    const tenantId = await this.tenantFor(dto.tenantId, meta.auth);
    const requested = { ...dto, proxyPassword: undefined, tenantId } as Record<string, unknown>;
    let earlier: SubUserRecord | null = null;
    for (let round = 0; round < 3; round += 1) {
      try {
        return await this.attempt(dto, requested, meta, tenantId, earlier);
      } catch (error) {
        if (!(error instanceof EarlierAttempt)) throw error;
      }
      // A retry of a create whose answer was lost (same Idempotency-Key) goes where the first went.
      // Found by the intent's own statement, not by a read before every create.
      earlier = await this.mappings.findByCreateKey(tenantId, meta.idempotencyKey!);
      // A key is kept as long as its stored answer (24 hours): past that it starts a new create.
      if (earlier && this.keyRetentionOver(earlier)) {
        // Freed here or by a concurrent retry: either way the old create no longer answers the key.
        await this.ledger.releaseCreateKey(earlier.id, meta.idempotencyKey!, this.retentionStart());
        earlier = null;
      }
    }
    throw new GatewayError(
      'IDEMPOTENCY_IN_PROGRESS',
      'Another create is taking this Idempotency-Key; retry shortly',
    );
  }

  /** Creates made before this no longer hold their Idempotency-Key. */
  private retentionStart(): Date {
    return new Date(Date.now() - IDEMPOTENCY_TTL_MS);
  }

  private keyRetentionOver(earlier: SubUserRecord): boolean {
    return earlier.lifecycle !== 'intent' && earlier.createdAt < this.retentionStart();
  }

  private async attempt(
    dto: CreateSubUserDto,
    requested: Record<string, unknown>,
    meta: CreateSubUserCommand['meta'],
    tenantId: string,
    earlier: SubUserRecord | null,
  ): Promise<CreatedSubUser> {
    if (earlier) {
      const account = await this.accounts.resolve(earlier.providerAccountId);
      return this.createOn(account, dto, requested, meta, tenantId, evidenceOf(earlier).placement, earlier);
    }
    if (!dto.placement || dto.providerAccountId) {
      return this.createOn(
        await this.accounts.forCreate(dto, meta.auth, tenantId),
        dto,
        requested,
        meta,
        tenantId,
      );
    }
    // Placement: the next eligible account is tried only after a failure that certainly created
    // nothing (circuit open, nothing sent, rate limited, balance too small), never after a timeout.
    let failure: unknown;
    const candidates = await this.placement.candidates(dto, tenantId);
    try {
      for (const candidate of candidates) {
        const decision = { providerAccountId: candidate.account.record.id, reason: candidate.reason };
        try {
          const created = await this.createOn(candidate.account, dto, requested, meta, tenantId, decision);
          await this.placement.chosen(candidate.account.record.id);
          return created;
        } catch (error) {
          if (!refusedBeforeCreating(error)) throw error;
          failure = error;
        }
      }
      throw failure;
    } finally {
      this.placement.settled(candidates[0].account.record.id);
    }
  }

  /**
   * One create on one account: intent, provider call, completion (the single-account path). The
   * first attempt costs three statements with its Idempotency-Key claim: the intent (which also
   * finds an earlier attempt under the key), and the completion with the stored answer.
   */
  private async createOn(
    account: ResolvedAccount,
    dto: CreateSubUserDto,
    requested: Record<string, unknown>,
    meta: CreateSubUserCommand['meta'],
    tenantId: string,
    placement?: PlacementDecision,
    known?: SubUserRecord,
  ): Promise<CreatedSubUser> {
    const provider = account.driver.provider;
    const description = this.registry.describe(provider);
    const { input, gatewayNotes, gatewayName } = createInputFor(provider, description, {
      ...dto,
      placement: undefined,
    });
    if (description.fields.proxyPassword.support === 'native' && input.proxyPassword === undefined)
      input.proxyPassword = generateProxyPassword();
    if (description.fields.proxyUsername.support === 'native' && input.proxyUsername === undefined)
      input.proxyUsername = generateProxyUsername();

    const earlier = known ? await this.earlierAttempt(known, requested, account) : null;
    if (earlier && earlier.lifecycle !== 'intent') return this.answer(earlier, undefined, placement);

    const id = earlier?.id ?? randomUUID();
    const intent = this.intentFor(
      id,
      tenantId,
      account,
      input,
      requested,
      { gatewayNotes, gatewayName },
      meta,
    );
    if (placement) intent.evidence.placement = placement;
    let opened: SubUserRecord | null;
    if (earlier) opened = await this.ledger.renewIntent(intent);
    else if (!meta.idempotencyKey) opened = await this.ledger.openIntent(intent);
    else {
      const result = await this.ledger.openIntentUnlessEarlier(intent);
      if ('earlierId' in result) throw new EarlierAttempt();
      opened = result.opened;
    }
    if (!opened) {
      throw new GatewayError(
        'IDEMPOTENCY_IN_PROGRESS',
        'The earlier attempt is being resolved; retry shortly',
      );
    }
    const created = await this.callProvider(id, tenantId, account, input, meta);
    // A sync may have completed the intent in the meantime: that record is the sub-user.
    const record =
      (await this.ledger.completeIntent({
        intentId: id,
        subUser: created,
        actor: actorOf(meta),
        via: 'create',
        opened,
        // Placement records its choice after the create: the interceptor stores that answer.
        ...(placement ? {} : { answer: this.idempotentAnswer(meta, input.proxyPassword) }),
      })) ?? (await this.mappings.findById(id));
    if (!record) throw new GatewayError('INTERNAL', `create intent ${id} vanished`);
    return this.answer(record, input.proxyPassword, placement);
  }

  /** The request's answer, stored with the completion (the body the controller sends, sealed). */
  private idempotentAnswer(
    meta: CreateSubUserCommand['meta'],
    password: string | undefined,
  ): IdempotentAnswer | undefined {
    const slot = meta.idempotency;
    if (!slot) return undefined;
    return {
      recordId: slot.recordId,
      render: (record) => slot.storedForm(this.answer(record, password).subUser),
      stored: () => {
        slot.answered = true;
      },
    };
  }

  private answer(
    record: SubUserRecord,
    password: string | undefined,
    placement?: PlacementDecision,
  ): CreatedSubUser {
    const subUser: CreatedSubUserDto = toSubUserDto(record);
    if (password !== undefined) subUser.proxyPassword = password;
    if (placement) subUser.placement = placement;
    return { subUser, etag: etagOf(record) };
  }

  private intentFor(
    id: string,
    tenantId: string,
    account: ResolvedAccount,
    input: CreateSubUserInput,
    requested: Record<string, unknown>,
    kept: { gatewayNotes?: string | null; gatewayName?: string | null },
    meta: CreateSubUserCommand['meta'],
  ): OpenIntentCommand {
    const now = new Date();
    const { proxyPassword: _password, ...echo } = account.driver.expectedEcho(input);
    return {
      id,
      tenantId,
      providerAccountId: account.record.id,
      provider: account.driver.provider,
      name: kept.gatewayName ?? input.name ?? null,
      gatewayNotes: kept.gatewayNotes ?? null,
      metadata: (requested.metadata as Record<string, string> | undefined) ?? {},
      createKey: meta.idempotencyKey ?? null,
      evidence: { requested, echo, requestId: meta.requestId, startedAt: now.toISOString() },
      proxyPassword: input.proxyPassword,
      // Absent: the provider's default, unlimited where the provider has such a thing.
      trafficLimitBytes:
        input.trafficLimitBytes !== undefined
          ? input.trafficLimitBytes
          : this.registry.describe(account.driver.provider).capabilities.unlimitedTraffic
            ? null
            : 0,
      expiresAt: new Date(now.getTime() + INTENT_WINDOW_MS),
    };
  }

  private async callProvider(
    id: string,
    tenantId: string,
    account: ResolvedAccount,
    input: CreateSubUserInput,
    meta: CreateSubUserCommand['meta'],
  ) {
    try {
      return await account.driver.create(input, { priority: 'user' });
    } catch (error) {
      await this.ledger.failIntent({
        intentId: id,
        tenantId,
        certainlyNotCreated: certainlyNotProcessed(error),
        failure: failureOf(error),
        actor: actorOf(meta),
      });
      throw error;
    }
  }

  private async tenantFor(requested: string | undefined, auth: AuthContext): Promise<string> {
    if (requested === undefined || requested === auth.tenantId) return auth.tenantId;
    if (!auth.isAdmin)
      throw new GatewayError('FORBIDDEN', 'Only admin keys may create sub-users in another tenant');
    if (!(await this.tenants.findById(requested))) {
      throw new GatewayError('VALIDATION_FAILED', `tenantId: no tenant ${requested}`, {
        fieldErrors: [{ field: 'tenantId', message: 'no such tenant' }],
      });
    }
    return requested;
  }

  /**
   * The record an earlier attempt with the same Idempotency-Key left. An open intent is resolved
   * first, with the account's reconciliation (which finds a sub-user the provider did create):
   * the caller gets that sub-user instead of a second one; if the provider has none, the intent
   * is reused.
   */
  private async earlierAttempt(
    record: SubUserRecord,
    requested: Record<string, unknown>,
    account: ResolvedAccount,
  ): Promise<SubUserRecord | null> {
    const earlierRequest = (record.intent as { requested?: unknown } | null)?.requested;
    if (
      canonicalJson(earlierRequest) !== canonicalJson(requested) ||
      record.providerAccountId !== account.record.id
    ) {
      throw new GatewayError(
        'IDEMPOTENCY_CONFLICT',
        'This Idempotency-Key was used for a different create request',
      );
    }
    if (record.lifecycle !== 'intent') return record;
    const result = await this.reconciler.reconcile(account.record, { keyId: null, requestId: null });
    if (!result.ok) {
      throw new ProviderError(
        account.driver.provider as ProviderName,
        'PROVIDER_UNAVAILABLE',
        'Could not confirm whether the earlier attempt created the sub-user; retry later',
        { reachedProvider: 'no' },
      );
    }
    // Completed (the provider had it), gone (expired: create anew), or still open (reuse it).
    return this.mappings.findById(record.id);
  }
}

/** The intent's statement found a record under this Idempotency-Key: the create is a retry. */
class EarlierAttempt extends Error {}
